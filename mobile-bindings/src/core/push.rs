//! Incoming pushes, read into a typed event the app can route on.

use std::collections::HashMap;
use std::str::FromStr;

use lvzhi_shared::ids::{ActivityId, AnnouncementId, MeetingId, NotificationId, ReportId};
use lvzhi_shared::notifications::{NotificationKind, push_data};

/// What a push says happened, and where to take the member. Plain data, so
/// the FFI hands it over as it is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushEvent {
    pub kind: NotificationKind,
    /// Mark it read when the member opens it.
    pub notification_id: NotificationId,
    /// The activity to open, when there is one.
    pub activity_id: Option<ActivityId>,
    pub announcement_id: Option<AnnouncementId>,
    /// The meeting to open (notice, change, leave decision), when there is one.
    pub meeting_id: Option<MeetingId>,
    /// The opinion report to open (a step it took, a co-signing request).
    pub report_id: Option<ReportId>,
}

/// Reads the `data` map of an FCM message; `None` if it is not one of ours
/// (or from a newer server that sends kinds this app does not know). Ours
/// carry ids, so a value that is not one means the message is not ours.
pub fn parse_push(data: &HashMap<String, String>) -> Option<PushEvent> {
    let kind = NotificationKind::parse(data.get(push_data::EVENT)?)?;
    Some(PushEvent {
        kind,
        notification_id: data.get(push_data::NOTIFICATION_ID)?.parse().ok()?,
        activity_id: optional_id(data, push_data::ACTIVITY_ID).ok()?,
        announcement_id: optional_id(data, push_data::ANNOUNCEMENT_ID).ok()?,
        meeting_id: optional_id(data, push_data::MEETING_ID).ok()?,
        report_id: optional_id(data, push_data::REPORT_ID).ok()?,
    })
}

/// The id under `key`, `None` when absent or empty; an error when not an id.
fn optional_id<T: FromStr>(data: &HashMap<String, String>, key: &str) -> Result<Option<T>, T::Err> {
    data.get(key)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse())
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTIFICATION: &str = "0190a5b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b";
    const ACTIVITY: &str = "0190a5b2-7c3d-7e4f-8a1b-2c3d4e5f6a7c";
    const MEETING: &str = "0190a5b2-7c3d-7e4f-8a1b-2c3d4e5f6a7d";

    #[test]
    fn our_pushes_parse_and_others_do_not() {
        let data: HashMap<String, String> = [
            ("event", "promoted"),
            ("notification_id", NOTIFICATION),
            ("activity_id", ACTIVITY),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let event = parse_push(&data).expect("ours");
        assert_eq!(event.kind, NotificationKind::Promoted);
        assert_eq!(event.notification_id.to_string(), NOTIFICATION);
        assert_eq!(
            event.activity_id.map(|a| a.to_string()).as_deref(),
            Some(ACTIVITY)
        );
        assert_eq!(event.announcement_id, None);
        assert_eq!(event.meeting_id, None);
        let mut unknown = data.clone();
        unknown.insert("event".into(), "something_new".into());
        assert_eq!(parse_push(&unknown), None);
        for (key, bad) in [
            ("notification_id", "n1"),
            ("activity_id", "a1"),
            ("meeting_id", "m1"),
            ("report_id", "r1"),
        ] {
            let mut not_ours = data.clone();
            not_ours.insert(key.into(), bad.into());
            assert_eq!(parse_push(&not_ours), None, "{key}: {bad}");
        }
        assert_eq!(parse_push(&HashMap::new()), None);
    }

    #[test]
    fn a_meeting_push_names_its_meeting() {
        let data: HashMap<String, String> = [
            ("event", "meeting_notice"),
            ("notification_id", NOTIFICATION),
            ("meeting_id", MEETING),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let event = parse_push(&data).expect("ours");
        assert_eq!(event.kind, NotificationKind::MeetingNotice);
        assert_eq!(
            event.meeting_id.map(|m| m.to_string()).as_deref(),
            Some(MEETING)
        );
        assert_eq!(event.activity_id, None);
    }
}
