//! Incoming pushes, read into a typed event the app can route on.

use std::collections::HashMap;

use lvzhi_shared::notifications::{NotificationKind, push_data};

/// What a push says happened, and where to take the member. Plain data, so
/// the FFI hands it over as it is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushEvent {
    pub kind: NotificationKind,
    /// Mark it read when the member opens it.
    pub notification_id: String,
    /// The activity to open, when there is one.
    pub activity_id: Option<String>,
    pub announcement_id: Option<String>,
}

/// Reads the `data` map of an FCM message; `None` if it is not one of ours
/// (or from a newer server that sends kinds this app does not know).
pub fn parse_push(data: &HashMap<String, String>) -> Option<PushEvent> {
    let kind = NotificationKind::parse(data.get(push_data::EVENT)?)?;
    let notification_id = data.get(push_data::NOTIFICATION_ID)?.clone();
    let non_empty = |key: &str| data.get(key).filter(|v| !v.is_empty()).cloned();
    Some(PushEvent {
        kind,
        notification_id,
        activity_id: non_empty(push_data::ACTIVITY_ID),
        announcement_id: non_empty(push_data::ANNOUNCEMENT_ID),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_pushes_parse_and_others_do_not() {
        let data: HashMap<String, String> = [
            ("event", "promoted"),
            ("notification_id", "n1"),
            ("activity_id", "a1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let event = parse_push(&data).expect("ours");
        assert_eq!(event.kind, NotificationKind::Promoted);
        assert_eq!(event.activity_id.as_deref(), Some("a1"));
        assert_eq!(event.announcement_id, None);
        let mut unknown = data.clone();
        unknown.insert("event".into(), "something_new".into());
        assert_eq!(parse_push(&unknown), None);
        assert_eq!(parse_push(&HashMap::new()), None);
    }
}
