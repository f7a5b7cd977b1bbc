//! A province's year, written straight into the database: members, 20
//! activities with attendance, 6 meetings of 4 sessions with check-ins, and
//! the office's manual entries. Through the API this would take hours (every
//! sign-up and check-in is a transaction with its notifications); as rows in
//! batches it takes seconds, and the points domain reads exactly these rows.
//!
//! Rows are made with the server's own row structs, and which member attends
//! what is decided by a fixed hash, so every run seeds the same mix.

use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_server::AppState;
use lvzhi_server::auth::Caller;
use lvzhi_server::db::DbConnection;
use lvzhi_server::db::models::{
    ActivityRow, BodyMemberRow, BodyRow, MeetingRow, MeetingSessionRow, PointsEntryRow, RoleRow,
    SignupRow, SummonsRow, UserRow,
};
use lvzhi_server::db::schema::{
    activities, activity_roles, bodies, body_members, meeting_sessions, meeting_summons, meetings,
    points_entries, sectors, session_checkins, signups, users,
};
use lvzhi_server::domain::committees::{current_year, local, year_bounds};
use lvzhi_server::error::AppError;
use lvzhi_shared::activities::{
    ActivityKind, ActivityStatus, Attendance, Audience, OutreachTheme, SignupStatus,
};
use lvzhi_shared::ids::{
    ActivityId, BodyId, CommitteeId, MeetingId, MeetingSessionId, MemberId, PointsEntryId,
    RoleSlotId, SectorId, SessionId, SignupId,
};
use lvzhi_shared::meetings::{BodyKind, MeetingAnswer, MeetingKind, MeetingStatus};
use lvzhi_shared::members::{MemberStatus, Role};
use lvzhi_shared::points::PointsEvent;

/// Bind parameters per INSERT: under SQLite's 32,766 and PostgreSQL's 65,535.
const BINDS: usize = 30_000;
const ACTIVITIES: usize = 20;
const MEETINGS: usize = 6;
const SESSIONS_PER_MEETING: usize = 4;
/// Out of 100: attended an activity; marked absent (the rest never signed up).
const ATTENDED: u64 = 85;
const ABSENT: u64 = 90;
/// Out of 100: checked in at a session (the rest are absent without leave).
const PRESENT: u64 = 92;
/// Manual entries per member: 5 to 13, 9 on average.
const ENTRIES_MIN: u64 = 5;
const ENTRIES_SPREAD: u64 = 9;

/// session_checkins has no row struct in the server (check-ins are written
/// by one statement there); this one has the table's columns.
#[derive(Insertable)]
#[diesel(table_name = session_checkins)]
struct CheckinRow {
    session_id: MeetingSessionId,
    user_id: MemberId,
    checked_in_at: NaiveDateTime,
}

/// What was seeded, for the measurements and the checks.
pub struct Seeded {
    pub committee: CommitteeId,
    pub organizer: MemberId,
    /// The members, in the order made.
    pub members: Vec<MemberId>,
    pub year: i32,
    /// Rows written, by table, in order.
    pub rows: Vec<(&'static str, usize)>,
    /// Lines the year's records must add up to: attended activities, every
    /// summoned session (present or absent) and every manual entry.
    pub expected_lines: usize,
}

/// A fixed hash of (what, who): the same mix on every run and backend.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b)
        .wrapping_add(0x632B_E59B_D9B4_E019);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Runs `rows` through INSERTs of as many rows as the bind limit allows.
macro_rules! insert_chunks {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        for chunk in $rows.chunks(BINDS / $columns) {
            let insert = diesel::insert_into($table).values(chunk);
            match &mut *$conn {
                DbConnection::Sqlite(c) => insert.execute(c)?,
                DbConnection::Postgres(c) => insert.execute(c)?,
            };
        }
    }};
}

/// The committee's year laid out between its first day and the clock's now:
/// `at(f)` is the moment a fraction `f` of the way through.
#[derive(Clone, Copy)]
struct Span {
    from: NaiveDateTime,
    length: Duration,
}

impl Span {
    fn at(&self, fraction: f64) -> NaiveDateTime {
        let seconds = (self.length.num_seconds() as f64 * fraction) as i64;
        self.from + Duration::seconds(seconds)
    }
}

/// Seeds the committee of the first admin (`admin_phone`); returns what it made.
pub async fn fill(
    state: &Arc<AppState>,
    admin_phone: &str,
    count: usize,
) -> anyhow::Result<Seeded> {
    let phone = admin_phone.to_owned();
    let (admin, committee): (MemberId, CommitteeId) = state
        .db
        .run(move |conn| {
            Ok(users::table
                .filter(users::phone.eq(phone))
                .select((users::id, users::committee_id))
                .get_result(conn)?)
        })
        .await?;
    let ctx = state
        .ctx(Caller {
            user_id: admin,
            committee_id: committee,
            role: Role::Admin,
            session_id: SessionId::new_v7(),
        })
        .await?;
    let (now, tz) = (ctx.now, ctx.tz);
    let year = current_year(now.and_utc(), tz);
    let (year_start, _) = year_bounds(year, tz);
    // A day after new year to two days before now: every session has ended
    // and every day falls in the year (the caller keeps now 2 weeks in).
    let from = year_start + Duration::days(1);
    let span = Span {
        from,
        length: (now - Duration::days(2)) - from,
    };
    anyhow::ensure!(
        span.length > Duration::days(7),
        "the clock's now is too close to new year ({now})"
    );
    let local_day = move |t: NaiveDateTime| local(t, tz).date_naive();

    // Members (and the organizer who records entries and closes the year).
    let (members, organizer) = state
        .db
        .write(move |conn| {
            let sector_ids: Vec<SectorId> = sectors::table
                .filter(sectors::committee_id.eq(committee))
                .select(sectors::id)
                .load(conn)?;
            let person = |i: usize, role: Role, phone: String| UserRow {
                id: MemberId::new_v7(),
                committee_id: committee,
                member_no: (role == Role::Member).then(|| format!("P{i:05}")),
                name: format!(
                    "{}{}",
                    if role == Role::Member {
                        "履职委员"
                    } else {
                        "积分专员"
                    },
                    lvzhi_tests::chinese_digits(&format!("{i:05}"))
                ),
                gender: None,
                phone,
                sector_id: (!sector_ids.is_empty()).then(|| sector_ids[i % sector_ids.len()]),
                party: None,
                workplace: None,
                birth_year: None,
                role,
                status: MemberStatus::Active,
                password_hash: None,
                created_at: now,
                updated_at: now,
            };
            let organizer = person(0, Role::Organizer, "13500000000".into());
            let rows: Vec<UserRow> = (0..count)
                .map(|i| person(i, Role::Member, format!("136{i:08}")))
                .collect();
            insert_chunks!(conn, users::table, std::slice::from_ref(&organizer), 15);
            insert_chunks!(conn, users::table, rows, 15);
            Ok::<_, AppError>((
                rows.into_iter().map(|r| r.id).collect::<Vec<_>>(),
                organizer.id,
            ))
        })
        .await?;
    let members = Arc::new(members);
    let mut written = vec![("users", count + 1)];
    let mut expected_lines = 0;

    // Activities over the year, each attended by most members.
    let them = members.clone();
    let (signup_rows, attended) = state
        .db
        .write(move |conn| {
            let (mut rows, mut attended) = (0, 0);
            for a in 0..ACTIVITIES {
                let starts = span.at((a as f64 + 0.5) / ACTIVITIES as f64);
                let (kind, hours, theme, title) = match a % 10 {
                    0..4 => (
                        ActivityKind::Training,
                        [2.0, 3.0, 1.5, 4.0][a % 4],
                        None,
                        format!("{year}年委员履职能力培训第{}期", a + 1),
                    ),
                    4..7 => (
                        ActivityKind::Outreach,
                        0.0,
                        Some(
                            [
                                OutreachTheme::Health,
                                OutreachTheme::Culture,
                                OutreachTheme::ScienceTechnology,
                            ][a % 3],
                        ),
                        format!("送医送文化下乡第{}站", a + 1),
                    ),
                    _ => (
                        ActivityKind::Inspection,
                        0.0,
                        None,
                        format!("民生实事专项视察第{}组", a + 1),
                    ),
                };
                let id = ActivityId::new_v7();
                let capacity = i32::try_from(them.len()).unwrap_or(i32::MAX).max(1);
                let activity = ActivityRow {
                    id,
                    committee_id: committee,
                    kind,
                    title,
                    description: String::new(),
                    location: "省政协机关".into(),
                    starts_at: starts,
                    ends_at: starts + Duration::hours(3),
                    signup_opens_at: None,
                    signup_closes_at: None,
                    status: ActivityStatus::Published,
                    audience: Audience::Committee,
                    capacity,
                    forbid_overlap: false,
                    study_hours: hours,
                    theme,
                    checkin_secret: uuid::Uuid::new_v4().simple().to_string(),
                    organizer_id: admin,
                    cancel_reason: None,
                    created_at: starts - Duration::days(14),
                    updated_at: starts,
                    reminder_minutes: None,
                };
                let role = RoleRow {
                    id: RoleSlotId::new_v7(),
                    activity_id: id,
                    name: "参加".into(),
                    capacity,
                    sector_id: None,
                    position: 0,
                };
                diesel::insert_into(activities::table)
                    .values(&activity)
                    .execute(conn)?;
                diesel::insert_into(activity_roles::table)
                    .values(&role)
                    .execute(conn)?;
                let mut seq = 0;
                let mut batch = Vec::with_capacity(them.len());
                for (i, member) in them.iter().enumerate() {
                    let roll = mix(i as u64, a as u64) % 100;
                    if roll >= ABSENT {
                        continue;
                    }
                    let came = roll < ATTENDED;
                    attended += usize::from(came);
                    seq += 1;
                    batch.push(SignupRow {
                        id: SignupId::new_v7(),
                        activity_id: id,
                        role_id: role.id,
                        user_id: *member,
                        seq,
                        status: SignupStatus::Registered,
                        attendance: Some(if came {
                            Attendance::Attended
                        } else {
                            Attendance::Absent
                        }),
                        checked_in_at: came.then_some(starts),
                        created_at: starts - Duration::days(7),
                        updated_at: starts,
                    });
                }
                rows += batch.len();
                insert_chunks!(conn, signups::table, batch, 10);
            }
            Ok::<_, AppError>((rows, attended))
        })
        .await?;
    written.push(("activities", ACTIVITIES));
    written.push(("signups", signup_rows));
    expected_lines += attended;

    // Meetings of the whole body, every member summoned to each; a check-in
    // for most (member, session), the rest absent without leave.
    let them = members.clone();
    let (summons_rows, checkin_rows) = state
        .db
        .write(move |conn| {
            let body = BodyRow {
                id: BodyId::new_v7(),
                committee_id: committee,
                name: "全体委员".into(),
                kind: BodyKind::Plenary,
                term: "第十三届".into(),
                created_at: year_start,
            };
            diesel::insert_into(bodies::table)
                .values(&body)
                .execute(conn)?;
            let joined = NaiveDate::from_ymd_opt(year - 1, 1, 1).unwrap_or(NaiveDate::MIN);
            let roster: Vec<BodyMemberRow> = them
                .iter()
                .map(|m| BodyMemberRow {
                    body_id: body.id,
                    user_id: *m,
                    joined_on: joined,
                    left_on: None,
                    voting: true,
                })
                .collect();
            insert_chunks!(conn, body_members::table, roster, 5);
            let (mut summoned, mut checked_in) = (0, 0);
            let slots = (MEETINGS * SESSIONS_PER_MEETING) as f64;
            let names = ["开幕会", "分组讨论", "大会发言", "闭幕会"];
            for m in 0..MEETINGS {
                let id = MeetingId::new_v7();
                let sessions: Vec<MeetingSessionRow> = (0..SESSIONS_PER_MEETING)
                    .map(|s| {
                        let starts = span.at(((m * SESSIONS_PER_MEETING + s) as f64 + 0.5) / slots);
                        MeetingSessionRow {
                            id: MeetingSessionId::new_v7(),
                            meeting_id: id,
                            position: i32::try_from(s).unwrap_or(i32::MAX),
                            title: names[s % names.len()].into(),
                            starts_at: starts,
                            ends_at: starts + Duration::hours(3),
                            place: "省政协礼堂".into(),
                            checkin_secret: uuid::Uuid::new_v4().simple().to_string(),
                        }
                    })
                    .collect();
                let (first, last) = match (sessions.first(), sessions.last()) {
                    (Some(f), Some(l)) => (f.starts_at, l.ends_at),
                    _ => continue,
                };
                let meeting = MeetingRow {
                    id,
                    committee_id: committee,
                    body_id: body.id,
                    kind: MeetingKind::Plenary,
                    title: format!("全体委员会议（{year}年第{}次）", m + 1),
                    agenda: String::new(),
                    status: MeetingStatus::Published,
                    starts_at: first,
                    ends_at: last,
                    leave_deadline: first - Duration::days(1),
                    organizer_id: admin,
                    created_at: first - Duration::days(20),
                    updated_at: first - Duration::days(20),
                };
                diesel::insert_into(meetings::table)
                    .values(&meeting)
                    .execute(conn)?;
                insert_chunks!(conn, meeting_sessions::table, sessions, 8);
                let summons: Vec<SummonsRow> = them
                    .iter()
                    .map(|u| SummonsRow {
                        meeting_id: id,
                        user_id: *u,
                        voting: true,
                        answer: MeetingAnswer::Attend,
                        answered_at: Some(first - Duration::days(10)),
                    })
                    .collect();
                summoned += summons.len();
                insert_chunks!(conn, meeting_summons::table, summons, 5);
                for (s, session) in sessions.iter().enumerate() {
                    let salt = 1_000 + (m * SESSIONS_PER_MEETING + s) as u64;
                    let present: Vec<CheckinRow> = them
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| mix(*i as u64, salt) % 100 < PRESENT)
                        .map(|(_, u)| CheckinRow {
                            session_id: session.id,
                            user_id: *u,
                            checked_in_at: session.starts_at - Duration::minutes(10),
                        })
                        .collect();
                    checked_in += present.len();
                    insert_chunks!(conn, session_checkins::table, present, 3);
                }
            }
            Ok::<_, AppError>((summoned, checked_in))
        })
        .await?;
    written.push(("body_members", members.len()));
    written.push(("meetings", MEETINGS));
    written.push(("meeting_sessions", MEETINGS * SESSIONS_PER_MEETING));
    written.push(("meeting_summons", summons_rows));
    written.push(("session_checkins", checkin_rows));
    // Every summoned session is a line: present, or absent (a deduction).
    expected_lines += summons_rows * SESSIONS_PER_MEETING;

    // The office's manual entries: proposals, articles, speeches, other duty.
    let them = members.clone();
    let entry_rows = state
        .db
        .write(move |conn| {
            let kinds = [
                (PointsEvent::Proposal, "提案"),
                (PointsEvent::ArticleCounty, "县级媒体上稿"),
                (PointsEvent::OtherDuty, "其他履职"),
                (PointsEvent::ArticleCity, "市级媒体上稿"),
                (PointsEvent::Proposal, "联名提案"),
                (PointsEvent::PlenarySpeech, "大会发言"),
                (PointsEvent::ArticleProvincial, "省级媒体上稿"),
                (PointsEvent::OtherDuty, "界别活动"),
                (PointsEvent::ArticleNational, "全国性媒体上稿"),
            ];
            let mut total = 0;
            let mut batch = Vec::new();
            for (i, member) in them.iter().enumerate() {
                let n = ENTRIES_MIN + mix(i as u64, 999) % ENTRIES_SPREAD;
                for k in 0..n {
                    let (event, what) = kinds[((i as u64 + k) % kinds.len() as u64) as usize];
                    let day =
                        local_day(span.at((mix(i as u64, 2_000 + k) % 1_000) as f64 / 1_000.0));
                    batch.push(PointsEntryRow {
                        id: PointsEntryId::new_v7(),
                        committee_id: committee,
                        year,
                        member_id: *member,
                        event,
                        evidence: format!("{what}：{}年第{}号", day.year(), k + 1),
                        occurred_on: day,
                        points: None,
                        created_by: organizer,
                        created_at: now,
                    });
                }
                // Inserted as they come, so the rows never all sit in memory.
                if batch.len() >= BINDS / 10 {
                    total += batch.len();
                    insert_chunks!(conn, points_entries::table, batch, 10);
                    batch.clear();
                }
            }
            total += batch.len();
            insert_chunks!(conn, points_entries::table, batch, 10);
            Ok::<_, AppError>(total)
        })
        .await?;
    written.push(("points_entries", entry_rows));
    expected_lines += entry_rows;

    Ok(Seeded {
        committee,
        organizer,
        members: Arc::unwrap_or_clone(members),
        year,
        rows: written,
        expected_lines,
    })
}
