//! Notifications to members, written in the transaction of the change that
//! causes them. Each row is one member's inbox item and the unit the push
//! worker delivers; `due_at` says when its push may go (quiet hours move it).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{Duration, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::committees::Language;
use lvzhi_shared::ids::{
    ActivityId, AnnouncementId, CommitteeId, MeetingId, MemberId, NotificationId, ReportId,
};
use lvzhi_shared::notifications::{NotificationKind, PushState};

use crate::db::DbConnection;
use crate::db::models::OutboxRow;
use crate::db::schema::{activities, committees, outbox};
use crate::domain::committees::{parse_hhmm, stored_time_zone};
use crate::domain::notifications::notices::Notice;
use crate::error::AppError;

/// Rows per INSERT: well under SQLite's and PostgreSQL's bind-parameter limits.
const INSERT_CHUNK: usize = 1000;

/// Changes this close to the start are urgent: they go even in quiet hours.
const URGENT_WITHIN: Duration = Duration::hours(24);

/// A committee's notification settings, read once per transaction.
pub struct Notifier {
    pub committee_id: CommitteeId,
    pub language: Language,
    pub tz: Tz,
    quiet: Option<(NaiveTime, NaiveTime)>,
}

impl Notifier {
    pub fn load(conn: &mut DbConnection, committee_id: CommitteeId) -> Result<Self, AppError> {
        let (tz, language, start, end): (String, Language, Option<String>, Option<String>) =
            committees::table
                .find(committee_id)
                .select((
                    committees::time_zone,
                    committees::language,
                    committees::quiet_start,
                    committees::quiet_end,
                ))
                .get_result(conn)?;
        let quiet = match (
            start.as_deref().and_then(parse_hhmm),
            end.as_deref().and_then(parse_hhmm),
        ) {
            (Some(s), Some(e)) if s != e => Some((s, e)),
            _ => None,
        };
        Ok(Self {
            committee_id,
            language,
            tz: stored_time_zone(&tz)?,
            quiet,
        })
    }

    /// When a push queued `now` may go: at once if urgent or outside quiet
    /// hours, else when they end — unless that would be after `deadline`
    /// (the activity's start), when waiting would make it useless.
    pub fn due_at(
        &self,
        now: NaiveDateTime,
        urgent: bool,
        deadline: Option<NaiveDateTime>,
    ) -> NaiveDateTime {
        let Some((start, end)) = self.quiet else {
            return now;
        };
        if urgent {
            return now;
        }
        let local = self.tz.from_utc_datetime(&now).naive_local();
        let t = local.time();
        let quiet_now = if start < end {
            start <= t && t < end
        } else {
            t >= start || t < end
        };
        if !quiet_now {
            return now;
        }
        let end_day = if start > end && t >= start {
            local.date() + Duration::days(1)
        } else {
            local.date()
        };
        let ends = self
            .tz
            .from_local_datetime(&end_day.and_time(end))
            .earliest()
            .map_or(now, |d| d.naive_utc());
        match deadline {
            Some(d) if ends >= d => now,
            _ => ends,
        }
    }

    /// Queues one notice to one member.
    pub fn tell(
        &self,
        conn: &mut DbConnection,
        user_id: MemberId,
        notice: &Notice<'_>,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        self.tell_all(conn, &[user_id], notice, now)
    }

    /// Queues the same notice to each of `user_ids`.
    pub fn tell_all(
        &self,
        conn: &mut DbConnection,
        user_ids: &[MemberId],
        notice: &Notice<'_>,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        let text = notice.render(self.language, self.tz);
        let deadline = notice.activity().map(|a| a.starts_at);
        let urgent = match notice {
            Notice::Changed(a) | Notice::Cancelled(a, _) => a.starts_at - now < URGENT_WITHIN,
            _ => false,
        };
        let due = self.due_at(now, urgent, deadline);
        let message = Message {
            kind: text.kind,
            activity_id: notice.activity_id(),
            meeting_id: None,
            report_id: None,
            announcement_id: None,
            title: &text.title,
            body: &text.body,
            urgent,
        };
        let rows: Vec<OutboxRow> = user_ids
            .iter()
            .map(|user_id| row(self.committee_id, *user_id, &message, due, now))
            .collect();
        insert(conn, &rows)
    }
}

/// When retried pushes may go: after their wait, by the same quiet-hours
/// rule as a first send (an urgent change still goes at night; a reminder
/// that would wait past its activity's start goes at once).
#[derive(Default)]
pub struct RetryTimes {
    notifiers: HashMap<CommitteeId, Notifier>,
    /// Activity starts, read once per activity for a batch of retries.
    starts: HashMap<ActivityId, Option<NaiveDateTime>>,
}

impl RetryTimes {
    pub fn due(
        &mut self,
        conn: &mut DbConnection,
        row: &OutboxRow,
        after_wait: NaiveDateTime,
    ) -> Result<NaiveDateTime, AppError> {
        let notifier = match self.notifiers.entry(row.committee_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(Notifier::load(conn, row.committee_id)?),
        };
        let deadline = match row.activity_id {
            Some(id) => match self.starts.entry(id) {
                Entry::Occupied(known) => *known.get(),
                Entry::Vacant(slot) => *slot.insert(
                    activities::table
                        .find(id)
                        .select(activities::starts_at)
                        .get_result::<NaiveDateTime>(conn)
                        .optional()?,
                ),
            },
            None => None,
        };
        Ok(notifier.due_at(after_wait, row.urgent, deadline))
    }
}

/// What a notification says, the same for each member it goes to.
pub struct Message<'a> {
    pub kind: NotificationKind,
    pub activity_id: Option<ActivityId>,
    pub meeting_id: Option<MeetingId>,
    pub report_id: Option<ReportId>,
    pub announcement_id: Option<AnnouncementId>,
    pub title: &'a str,
    pub body: &'a str,
    /// Goes even in quiet hours.
    pub urgent: bool,
}

/// A fresh queued row: `message` to one member, its push due at `due`.
pub fn row(
    committee_id: CommitteeId,
    user_id: MemberId,
    message: &Message<'_>,
    due: NaiveDateTime,
    now: NaiveDateTime,
) -> OutboxRow {
    OutboxRow {
        id: NotificationId::new_v7(),
        committee_id,
        user_id,
        kind: message.kind,
        activity_id: message.activity_id,
        title: message.title.to_owned(),
        body: message.body.to_owned(),
        urgent: message.urgent,
        created_at: now,
        announcement_id: message.announcement_id,
        push_state: PushState::Queued,
        attempts: 0,
        due_at: Some(due),
        claimed_until: None,
        delivered_to: None,
        last_error: None,
        sent_at: None,
        read_at: None,
        meeting_id: message.meeting_id,
        report_id: message.report_id,
    }
}

/// Stores rows in multi-row INSERTs (per backend: diesel's multi-backend
/// connection cannot batch them).
pub fn insert(conn: &mut DbConnection, rows: &[OutboxRow]) -> Result<(), AppError> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let insert = diesel::insert_into(outbox::table).values(chunk);
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notifier(start: &str, end: &str) -> Notifier {
        Notifier {
            committee_id: CommitteeId::new_v7(),
            language: Language::Zh,
            tz: chrono_tz::Asia::Shanghai,
            quiet: Some((
                parse_hhmm(start).expect("valid"),
                parse_hhmm(end).expect("valid"),
            )),
        }
    }

    /// A Beijing wall-clock time as stored (UTC).
    fn beijing(day: u32, h: u32, m: u32) -> NaiveDateTime {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 12, day, h, m, 0)
            .single()
            .expect("unambiguous")
            .naive_utc()
    }

    #[test]
    fn quiet_hours_over_midnight_defer_to_their_end() {
        let n = notifier("22:00", "07:00");
        assert_eq!(
            n.due_at(beijing(3, 21, 59), false, None),
            beijing(3, 21, 59)
        );
        assert_eq!(n.due_at(beijing(3, 22, 0), false, None), beijing(4, 7, 0));
        assert_eq!(n.due_at(beijing(4, 3, 0), false, None), beijing(4, 7, 0));
        assert_eq!(n.due_at(beijing(4, 7, 0), false, None), beijing(4, 7, 0));
        assert_eq!(n.due_at(beijing(3, 23, 0), true, None), beijing(3, 23, 0));
    }

    #[test]
    fn quiet_hours_within_a_day() {
        let n = notifier("12:00", "14:00");
        assert_eq!(n.due_at(beijing(3, 12, 30), false, None), beijing(3, 14, 0));
        assert_eq!(
            n.due_at(beijing(3, 14, 30), false, None),
            beijing(3, 14, 30)
        );
    }

    #[test]
    fn a_push_that_would_arrive_too_late_goes_now() {
        let n = notifier("22:00", "07:00");
        let start = beijing(4, 6, 30);
        assert_eq!(
            n.due_at(beijing(3, 23, 0), false, Some(start)),
            beijing(3, 23, 0)
        );
    }

    #[test]
    fn hhmm_is_strict() {
        assert!(parse_hhmm("07:00").is_some());
        assert!(parse_hhmm("7:00").is_none());
        assert!(parse_hhmm("24:00").is_none());
        assert!(parse_hhmm("07:60").is_none());
    }
}
