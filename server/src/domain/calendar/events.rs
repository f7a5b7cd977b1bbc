//! What a feed holds: for `mine`, the activities the account signed up for
//! (registered or waitlisted) and the published meetings it is summoned to;
//! for `committee`, every activity and meeting past draft. Cancelled ones
//! stay, marked cancelled, so subscribed calendars strike them out. One
//! event per activity and one per meeting session, from 180 days back.
//!
//! Each event's UID never changes; what the feed last said of it is kept
//! per feed (`calendar_feed_events`), so SEQUENCE and LAST-MODIFIED move
//! exactly when what the calendar shows changes.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::activities::{ActivityKind, ActivityStatus, SignupStatus};
use lvzhi_shared::calendar::CalendarScope;
use lvzhi_shared::ids::{CalendarFeedId, CommitteeId, MeetingId, MemberId};
use lvzhi_shared::meetings::MeetingStatus;
use sha2::{Digest, Sha256};

use crate::db::DbConnection;
use crate::db::models::{ActivityRow, MeetingRow, MeetingSessionRow};
use crate::db::schema::{
    activities, calendar_feed_events, meeting_sessions, meeting_summons, meetings, signups,
};
use crate::error::AppError;

/// How far back a feed reaches.
const HISTORY_DAYS: i64 = 180;
/// At most this many events of each kind per feed.
const MAX_EVENTS: i64 = 2000;

/// One calendar event as the feed shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Stable for the life of the activity or session.
    pub uid: String,
    pub summary: String,
    pub location: String,
    pub description: String,
    /// Stored (UTC) times.
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub cancelled: bool,
    /// Waitlisted: may not take place for this member.
    pub tentative: bool,
    /// Where the app opens it (`lvzhi://activities/{id}`, `lvzhi://meetings/{id}`).
    pub url: String,
    /// Starts at 0; one more each time what the event shows changes.
    pub sequence: i32,
    /// When what the event shows last changed (first seen: when first shown).
    pub modified_at: NaiveDateTime,
}

impl Event {
    fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.summary.as_str(),
            &self.location,
            &self.description,
            &self.starts_at.to_string(),
            &self.ends_at.to_string(),
            if self.cancelled { "cancelled" } else { "" },
            if self.tentative { "tentative" } else { "" },
            &self.url,
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn kind_label(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::Training => "学习培训",
        ActivityKind::Outreach => "三下乡",
        ActivityKind::Inspection => "视察",
    }
}

fn activity_event(a: &ActivityRow, waitlisted: bool) -> Event {
    let mut description = format!("【{}】", kind_label(a.kind));
    if waitlisted {
        description.push_str("候补中。");
    }
    if a.status == ActivityStatus::Cancelled {
        description.push_str("已取消");
        if let Some(r) = &a.cancel_reason {
            description.push_str(&format!("：{r}"));
        }
        description.push('。');
    }
    if !a.description.is_empty() {
        description.push('\n');
        description.push_str(&a.description);
    }
    Event {
        uid: format!("activity-{}@lvzhi", a.id),
        summary: if waitlisted {
            format!("{}（候补）", a.title)
        } else {
            a.title.clone()
        },
        location: a.location.clone(),
        description,
        starts_at: a.starts_at,
        ends_at: a.ends_at,
        cancelled: a.status == ActivityStatus::Cancelled,
        tentative: waitlisted,
        url: format!("lvzhi://activities/{}", a.id),
        sequence: 0,
        modified_at: a.updated_at,
    }
}

fn session_events(m: &MeetingRow, sessions: &[&MeetingSessionRow]) -> Vec<Event> {
    sessions
        .iter()
        .map(|s| {
            let summary = if sessions.len() == 1 && s.title == m.title {
                m.title.clone()
            } else {
                format!("{}·{}", m.title, s.title)
            };
            let mut description = String::new();
            if m.status == MeetingStatus::Cancelled {
                description.push_str("会议已取消。\n");
            }
            description.push_str(&m.agenda);
            Event {
                uid: format!("meeting-session-{}@lvzhi", s.id),
                summary,
                location: s.place.clone(),
                description,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                cancelled: m.status == MeetingStatus::Cancelled,
                tentative: false,
                url: format!("lvzhi://meetings/{}", m.id),
                sequence: 0,
                modified_at: m.updated_at,
            }
        })
        .collect()
}

fn meeting_events(conn: &mut DbConnection, rows: Vec<MeetingRow>) -> Result<Vec<Event>, AppError> {
    let ids: Vec<MeetingId> = rows.iter().map(|m| m.id).collect();
    let sessions: Vec<MeetingSessionRow> = meeting_sessions::table
        .filter(meeting_sessions::meeting_id.eq_any(&ids))
        .order((meeting_sessions::meeting_id, meeting_sessions::position))
        .select(MeetingSessionRow::as_select())
        .load(conn)?;
    Ok(rows
        .iter()
        .flat_map(|m| {
            let own: Vec<&MeetingSessionRow> =
                sessions.iter().filter(|s| s.meeting_id == m.id).collect();
            session_events(m, &own)
        })
        .collect())
}

/// The events a feed holds now, without their sequence.
fn gather(
    conn: &mut DbConnection,
    scope: CalendarScope,
    user_id: MemberId,
    committee_id: CommitteeId,
    now: NaiveDateTime,
) -> Result<Vec<Event>, AppError> {
    let since = now - Duration::days(HISTORY_DAYS);
    let shown_activity = [
        ActivityStatus::Published,
        ActivityStatus::Completed,
        ActivityStatus::Cancelled,
    ];
    let shown_meeting = [MeetingStatus::Published, MeetingStatus::Cancelled];
    let mut events = Vec::new();
    match scope {
        CalendarScope::Mine => {
            let mine: Vec<(ActivityRow, SignupStatus)> = signups::table
                .inner_join(activities::table)
                .filter(signups::user_id.eq(user_id))
                .filter(
                    signups::status.eq_any([SignupStatus::Registered, SignupStatus::Waitlisted]),
                )
                .filter(activities::status.eq_any(shown_activity))
                .filter(activities::ends_at.ge(since))
                .order(activities::starts_at)
                .limit(MAX_EVENTS)
                .select((ActivityRow::as_select(), signups::status))
                .load(conn)?;
            events.extend(
                mine.iter()
                    .map(|(a, s)| activity_event(a, *s == SignupStatus::Waitlisted)),
            );
            let summoned: Vec<MeetingRow> = meetings::table
                .inner_join(meeting_summons::table)
                .filter(meeting_summons::user_id.eq(user_id))
                .filter(meetings::status.eq_any(shown_meeting))
                .filter(meetings::ends_at.ge(since))
                .order(meetings::starts_at)
                .limit(MAX_EVENTS)
                .select(MeetingRow::as_select())
                .load(conn)?;
            events.extend(meeting_events(conn, summoned)?);
        }
        CalendarScope::Committee => {
            let all: Vec<ActivityRow> = activities::table
                .filter(activities::committee_id.eq(committee_id))
                .filter(activities::status.eq_any(shown_activity))
                .filter(activities::ends_at.ge(since))
                .order(activities::starts_at)
                .limit(MAX_EVENTS)
                .select(ActivityRow::as_select())
                .load(conn)?;
            events.extend(all.iter().map(|a| activity_event(a, false)));
            let all: Vec<MeetingRow> = meetings::table
                .filter(meetings::committee_id.eq(committee_id))
                .filter(meetings::status.eq_any(shown_meeting))
                .filter(meetings::ends_at.ge(since))
                .order(meetings::starts_at)
                .limit(MAX_EVENTS)
                .select(MeetingRow::as_select())
                .load(conn)?;
            events.extend(meeting_events(conn, all)?);
        }
    }
    // One event per UID (a second live sign-up for one activity cannot
    // exist, but a feed must never carry a UID twice).
    let mut seen = HashSet::new();
    events.retain(|e| seen.insert(e.uid.clone()));
    Ok(events)
}

/// The feed's events with their SEQUENCE and LAST-MODIFIED, recording what
/// changed since the feed was last read. Run in a write transaction, with
/// the feed locked (concurrent reads of one feed take turns).
pub fn current(
    conn: &mut DbConnection,
    feed_id: CalendarFeedId,
    scope: CalendarScope,
    user_id: MemberId,
    committee_id: CommitteeId,
    now: NaiveDateTime,
) -> Result<Vec<Event>, AppError> {
    let mut events = gather(conn, scope, user_id, committee_id, now)?;
    let known: HashMap<String, (String, i32, NaiveDateTime)> = calendar_feed_events::table
        .filter(calendar_feed_events::feed_id.eq(feed_id))
        .select((
            calendar_feed_events::uid,
            calendar_feed_events::fingerprint,
            calendar_feed_events::sequence,
            calendar_feed_events::modified_at,
        ))
        .load::<(String, String, i32, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(uid, f, s, m)| (uid, (f, s, m)))
        .collect();
    for e in &mut events {
        let fingerprint = e.fingerprint();
        match known.get(&e.uid) {
            Some((f, seq, modified)) if *f == fingerprint => {
                e.sequence = *seq;
                e.modified_at = *modified;
            }
            Some((_, seq, _)) => {
                e.sequence = seq + 1;
                e.modified_at = now;
                diesel::update(calendar_feed_events::table.find((feed_id, &e.uid)))
                    .set((
                        calendar_feed_events::fingerprint.eq(&fingerprint),
                        calendar_feed_events::sequence.eq(e.sequence),
                        calendar_feed_events::modified_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            None => {
                // First shown: as last changed when the row was.
                e.modified_at = e.modified_at.min(now);
                diesel::insert_into(calendar_feed_events::table)
                    .values((
                        calendar_feed_events::feed_id.eq(feed_id),
                        calendar_feed_events::uid.eq(&e.uid),
                        calendar_feed_events::fingerprint.eq(&fingerprint),
                        calendar_feed_events::sequence.eq(0),
                        calendar_feed_events::modified_at.eq(e.modified_at),
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(events)
}
