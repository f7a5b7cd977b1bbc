//! The words of meeting notifications, in the committee's language, and
//! their queueing: a push is often all a member reads, so each says which
//! meeting, when and where.

use chrono::{Duration, NaiveDateTime};
use lvzhi_shared::committees::Language;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::meetings::LeaveStatus;
use lvzhi_shared::notifications::NotificationKind;

use crate::db::DbConnection;
use crate::db::models::{MeetingRow, MeetingSessionRow};
use crate::domain::notifications::notices::{left_en, left_zh, quote, when_en, when_zh};
use crate::domain::notifications::outbox::{self, Message, Notifier};
use crate::error::AppError;

/// Changes this close to the start go even in quiet hours.
const URGENT_WITHIN: Duration = Duration::hours(24);

pub enum MeetingNotice<'a> {
    /// Summoned: the notice with the first session and the leave deadline.
    Summoned,
    /// New times; answer again.
    Rescheduled,
    Cancelled(&'a str),
    /// A leave request was decided (or voided by a reschedule).
    Leave(LeaveStatus, Option<&'a str>),
    /// Before the first session, sent at the given time.
    Reminder(NaiveDateTime),
}

fn render(
    notice: &MeetingNotice<'_>,
    m: &MeetingRow,
    first: &MeetingSessionRow,
    n: &Notifier,
) -> (NotificationKind, String, String) {
    let zh = n.language == Language::Zh;
    let (when, deadline) = if zh {
        (
            when_zh(first.starts_at, n.tz),
            when_zh(m.leave_deadline, n.tz),
        )
    } else {
        (
            when_en(first.starts_at, n.tz),
            when_en(m.leave_deadline, n.tz),
        )
    };
    match (notice, zh) {
        (MeetingNotice::Summoned, true) => (
            NotificationKind::MeetingNotice,
            format!("会议通知：{}", m.title),
            format!(
                "{when}在{}召开。请于{deadline}前确认出席或请假。",
                first.place
            ),
        ),
        (MeetingNotice::Summoned, false) => (
            NotificationKind::MeetingNotice,
            format!("Meeting notice: {}", m.title),
            format!(
                "{when} at {}. Please confirm attendance or ask for leave by {deadline}.",
                first.place
            ),
        ),
        (MeetingNotice::Rescheduled, true) => (
            NotificationKind::MeetingChanged,
            format!("会议改期：{}", m.title),
            format!("改为{when}在{}召开，请重新确认出席或请假。", first.place),
        ),
        (MeetingNotice::Rescheduled, false) => (
            NotificationKind::MeetingChanged,
            format!("Meeting rescheduled: {}", m.title),
            format!(
                "Now {when} at {}. Please confirm attendance or ask for leave again.",
                first.place
            ),
        ),
        (MeetingNotice::Cancelled(reason), true) => (
            NotificationKind::MeetingChanged,
            format!("会议取消：{}", m.title),
            format!("原定{when}的会议已取消。{}", quote(reason)),
        ),
        (MeetingNotice::Cancelled(reason), false) => (
            NotificationKind::MeetingChanged,
            format!("Meeting cancelled: {}", m.title),
            format!("The meeting of {when} is cancelled. {}", quote(reason)),
        ),
        (MeetingNotice::Reminder(at), true) => (
            NotificationKind::Reminder,
            format!("会议提醒：{}", m.title),
            format!(
                "{}后开会：{when}，{}。",
                left_zh(first.starts_at - *at),
                first.place
            ),
        ),
        (MeetingNotice::Reminder(at), false) => (
            NotificationKind::Reminder,
            format!("Meeting reminder: {}", m.title),
            format!(
                "Starts in {}: {when}, {}.",
                left_en(first.starts_at - *at),
                first.place
            ),
        ),
        (MeetingNotice::Leave(status, note), true) => {
            let (title, what) = match status {
                LeaveStatus::Approved => ("请假已批准", "已批准"),
                LeaveStatus::Refused => ("请假未获批准", "未获批准，请按时出席"),
                _ => ("请假已作废", "因会议改期已作废，请重新确认"),
            };
            let note = note
                .map(|n| format!("（{}）", quote(n)))
                .unwrap_or_default();
            (
                NotificationKind::LeaveDecided,
                title.to_owned(),
                format!("您对“{}”的请假{what}{note}。", m.title),
            )
        }
        (MeetingNotice::Leave(status, note), false) => {
            let what = match status {
                LeaveStatus::Approved => "approved",
                LeaveStatus::Refused => "refused: please attend",
                _ => "void after the reschedule: please answer again",
            };
            let note = note.map(|n| format!(" ({})", quote(n))).unwrap_or_default();
            (
                NotificationKind::LeaveDecided,
                "Leave request decided".to_owned(),
                format!("Your leave request for {} is {what}{note}.", m.title),
            )
        }
    }
}

/// Queues `notice` about meeting `m` to each of `user_ids`.
pub fn tell(
    conn: &mut DbConnection,
    m: &MeetingRow,
    first: &MeetingSessionRow,
    user_ids: &[MemberId],
    notice: &MeetingNotice<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if user_ids.is_empty() {
        return Ok(());
    }
    let n = Notifier::load(conn, m.committee_id)?;
    let (kind, title, body) = render(notice, m, first, &n);
    let urgent = matches!(
        notice,
        MeetingNotice::Rescheduled | MeetingNotice::Cancelled(_)
    ) && first.starts_at - now < URGENT_WITHIN;
    let due = n.due_at(now, urgent, Some(first.starts_at));
    let message = Message {
        kind,
        activity_id: None,
        meeting_id: Some(m.id),
        report_id: None,
        announcement_id: None,
        title: &title,
        body: &body,
        urgent,
    };
    let rows: Vec<_> = user_ids
        .iter()
        .map(|u| outbox::row(m.committee_id, *u, &message, due, now))
        .collect();
    outbox::insert(conn, &rows)
}
