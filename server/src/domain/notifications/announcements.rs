//! Announcements: an organizer's message to an audience of members, queued
//! as one notification per member in the transaction that records it.

use std::collections::{BTreeSet, HashMap};

use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::SignupStatus;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{ActivityId, AnnouncementId, CommitteeId, MemberId, SectorId};
use lvzhi_shared::members::{MemberStatus, Role};
use lvzhi_shared::notifications::{
    Announcement, AnnouncementAudience, AudienceKind, DeliveryCounts, NewAnnouncement,
    NotificationKind, PushState,
};
use lvzhi_shared::validate::{
    self, MAX_ANNOUNCEMENT_BODY_CHARS, MAX_ANNOUNCEMENT_TITLE_CHARS, MAX_NAMED_RECIPIENTS,
};

use crate::db::DbConnection;
use crate::db::models::AnnouncementRow;
use crate::db::schema::{activities, announcements, outbox as outbox_t, sectors, signups, users};
use crate::domain::committees::local;
use crate::domain::notifications::outbox::{self, Message, Notifier};
use crate::domain::pages;
use crate::domain::{Ctx, audit};
use crate::error::AppError;

/// Records the announcement and queues it to every member of its audience.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &NewAnnouncement,
) -> Result<(AnnouncementId, usize), AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let title = validate::text(&input.title, "title", MAX_ANNOUNCEMENT_TITLE_CHARS, true)?;
    let body = validate::text(&input.body, "body", MAX_ANNOUNCEMENT_BODY_CHARS, true)?;
    let committee = caller.committee_id;
    if let Some(id) = input.activity_id {
        ensure_activity(conn, committee, id, "activity_id")?;
    }
    let recipients = resolve(conn, committee, &input.audience)?;
    if recipients.is_empty() {
        return Err(AppError::new(
            ErrorCode::NoRecipients,
            "nobody in this audience can be notified",
        )
        .with_field("audience"));
    }
    let urgent = input.urgent.unwrap_or(false);
    let row = AnnouncementRow {
        id: AnnouncementId::new_v7(),
        committee_id: committee,
        created_by: caller.user_id,
        title,
        body,
        activity_id: input.activity_id,
        audience: serde_json::to_string(&input.audience)
            .map_err(|e| AppError::internal(format!("audience: {e}")))?,
        urgent,
        recipients: i32::try_from(recipients.len()).unwrap_or(i32::MAX),
        created_at: now,
    };
    diesel::insert_into(announcements::table)
        .values(&row)
        .execute(conn)?;
    let due = Notifier::load(conn, committee)?.due_at(now, urgent, None);
    let message = Message {
        kind: NotificationKind::Announcement,
        activity_id: row.activity_id,
        meeting_id: None,
        report_id: None,
        announcement_id: Some(row.id),
        title: &row.title,
        body: &row.body,
        urgent,
    };
    let rows: Vec<_> = recipients
        .iter()
        .map(|user_id| outbox::row(committee, *user_id, &message, due, now))
        .collect();
    outbox::insert(conn, &rows)?;
    let detail = format!("{}（{} 人）", row.title, recipients.len());
    audit::record(
        conn,
        ctx,
        AuditAction::AnnouncementSent,
        Some(&row.id),
        detail,
    )?;
    Ok((row.id, recipients.len()))
}

/// How many members an audience names now (what a composer shows as the
/// clerk picks it); the same rule `create` sends by.
pub fn recipient_count(
    conn: &mut DbConnection,
    committee: CommitteeId,
    audience: &AnnouncementAudience,
) -> Result<usize, AppError> {
    Ok(resolve(conn, committee, audience)?.len())
}

/// A recipient the announcement has not reached yet, for the office's call list.
pub struct Unreached {
    pub name: String,
    pub phone: String,
    /// No phone registered: only a call reaches them.
    pub no_device: bool,
}

/// The recipients who have not read an announcement, those without a
/// phone first, then by name.
pub fn unreached(
    conn: &mut DbConnection,
    committee: CommitteeId,
    id: AnnouncementId,
) -> Result<Vec<Unreached>, AppError> {
    let rows: Vec<(String, String, PushState)> = outbox_t::table
        .inner_join(users::table)
        .filter(outbox_t::committee_id.eq(committee))
        .filter(outbox_t::announcement_id.eq(id))
        .filter(outbox_t::read_at.is_null())
        .select((users::name, users::phone, outbox_t::push_state))
        .load(conn)?;
    let mut list: Vec<Unreached> = rows
        .into_iter()
        .map(|(name, phone, state)| Unreached {
            name,
            phone,
            no_device: state == PushState::NoDevice,
        })
        .collect();
    list.sort_by(|a, b| {
        b.no_device
            .cmp(&a.no_device)
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(list)
}

/// The members an audience names: not disabled, of the caller's committee only.
fn resolve(
    conn: &mut DbConnection,
    committee: CommitteeId,
    audience: &AnnouncementAudience,
) -> Result<BTreeSet<MemberId>, AppError> {
    let live = users::committee_id
        .eq(committee)
        .and(users::status.ne(MemberStatus::Disabled.as_str()));
    let members_only = users::role.eq(Role::Member.as_str());
    let ids: Vec<MemberId> = match audience.kind {
        AudienceKind::Committee => users::table
            .filter(live)
            .filter(members_only)
            .select(users::id)
            .load(conn)?,
        AudienceKind::Sectors => {
            let wanted: BTreeSet<SectorId> = audience.sector_ids.iter().copied().collect();
            if wanted.is_empty() {
                return Err(AppError::new(ErrorCode::FieldRequired, "name the sectors")
                    .with_field("audience.sector_ids"));
            }
            let known: i64 = sectors::table
                .filter(sectors::committee_id.eq(committee))
                .filter(sectors::id.eq_any(&wanted))
                .count()
                .get_result(conn)?;
            if known != wanted.len() as i64 {
                return Err(AppError::new(
                    ErrorCode::UnknownSector,
                    "a sector is not one of this committee's",
                )
                .with_field("audience.sector_ids"));
            }
            users::table
                .filter(live)
                .filter(members_only)
                .filter(users::sector_id.eq_any(&wanted))
                .select(users::id)
                .load(conn)?
        }
        AudienceKind::Activity => {
            let Some(activity_id) = audience.activity_id else {
                return Err(AppError::new(ErrorCode::FieldRequired, "name the activity")
                    .with_field("audience.activity_id"));
            };
            ensure_activity(conn, committee, activity_id, "audience.activity_id")?;
            let mut states = Vec::new();
            if audience.registered.unwrap_or(true) {
                states.push(SignupStatus::Registered.as_str());
            }
            if audience.waitlisted.unwrap_or(false) {
                states.push(SignupStatus::Waitlisted.as_str());
            }
            users::table
                .inner_join(signups::table)
                .filter(live)
                .filter(signups::activity_id.eq(activity_id))
                .filter(signups::status.eq_any(states))
                .select(users::id)
                .load(conn)?
        }
        AudienceKind::Members => {
            let wanted: BTreeSet<MemberId> = audience.member_ids.iter().copied().collect();
            if wanted.is_empty() {
                return Err(AppError::new(ErrorCode::FieldRequired, "name the members")
                    .with_field("audience.member_ids"));
            }
            if wanted.len() > MAX_NAMED_RECIPIENTS {
                return Err(AppError::new(
                    ErrorCode::InvalidField,
                    format!("at most {MAX_NAMED_RECIPIENTS} members by name; use a sector or the committee"),
                )
                .with_field("audience.member_ids"));
            }
            let wanted: Vec<MemberId> = wanted.into_iter().collect();
            let ours: Vec<(MemberId, String)> = users::table
                .filter(users::committee_id.eq(committee))
                .filter(users::id.eq_any(&wanted))
                .select((users::id, users::status))
                .load(conn)?;
            if ours.len() != wanted.len() {
                return Err(AppError::new(
                    ErrorCode::UnknownMember,
                    "a member named is not in this committee",
                )
                .with_field("audience.member_ids"));
            }
            ours.into_iter()
                .filter(|(_, status)| status != MemberStatus::Disabled.as_str())
                .map(|(id, _)| id)
                .collect()
        }
    };
    Ok(ids.into_iter().collect())
}

fn ensure_activity(
    conn: &mut DbConnection,
    committee: CommitteeId,
    id: ActivityId,
    field: &str,
) -> Result<(), AppError> {
    let found: i64 = activities::table
        .filter(activities::id.eq(id))
        .filter(activities::committee_id.eq(committee))
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            "no such activity in this committee",
        )
        .with_field(field));
    }
    Ok(())
}

/// An announcement of the caller's committee with its delivery counts.
pub fn get(
    conn: &mut DbConnection,
    committee: CommitteeId,
    id: AnnouncementId,
    tz: Tz,
) -> Result<Announcement, AppError> {
    let row: AnnouncementRow = announcements::table
        .filter(announcements::id.eq(id))
        .filter(announcements::committee_id.eq(committee))
        .select(AnnouncementRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("announcement"))?;
    let mut counts = delivery_counts(conn, &[row.id])?;
    to_announcement(row, counts.remove(&id).unwrap_or_default(), tz)
}

/// One page of the committee's announcements, newest first, and the cursor after it.
pub fn list(
    conn: &mut DbConnection,
    committee: CommitteeId,
    cursor: Option<&str>,
    limit: u32,
    tz: Tz,
) -> Result<(Vec<Announcement>, Option<String>), AppError> {
    let mut query = announcements::table
        .filter(announcements::committee_id.eq(committee))
        .order(announcements::id.desc())
        .limit(i64::from(limit) + 1)
        .select(AnnouncementRow::as_select())
        .into_boxed();
    if let Some(c) = cursor {
        query = query.filter(announcements::id.lt(pages::parse_id_cursor::<AnnouncementId>(c)?));
    }
    let mut rows: Vec<AnnouncementRow> = query.load(conn)?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| pages::id_cursor(r.id))
    } else {
        None
    };
    let ids: Vec<AnnouncementId> = rows.iter().map(|r| r.id).collect();
    let mut counts = delivery_counts(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|row| {
            let c = counts.remove(&row.id).unwrap_or_default();
            to_announcement(row, c, tz)
        })
        .collect::<Result<_, _>>()?;
    Ok((items, next))
}

/// Per announcement: recipients by push state, and how many have read it.
fn delivery_counts(
    conn: &mut DbConnection,
    ids: &[AnnouncementId],
) -> Result<HashMap<AnnouncementId, DeliveryCounts>, AppError> {
    let states: Vec<(Option<AnnouncementId>, PushState, i64)> = outbox_t::table
        .filter(outbox_t::announcement_id.eq_any(ids))
        .group_by((outbox_t::announcement_id, outbox_t::push_state))
        .select((
            outbox_t::announcement_id,
            outbox_t::push_state,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let reads: Vec<(Option<AnnouncementId>, i64)> = outbox_t::table
        .filter(outbox_t::announcement_id.eq_any(ids))
        .filter(outbox_t::read_at.is_not_null())
        .group_by(outbox_t::announcement_id)
        .select((outbox_t::announcement_id, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out: HashMap<AnnouncementId, DeliveryCounts> = HashMap::new();
    for (id, state, n) in states {
        let Some(id) = id else { continue };
        let c = out.entry(id).or_default();
        match state {
            PushState::Queued => c.queued += n,
            PushState::Sent => c.sent += n,
            PushState::Failed => c.failed += n,
            PushState::NoDevice => c.no_device += n,
        }
    }
    for (id, n) in reads {
        if let Some(id) = id {
            out.entry(id).or_default().read = n;
        }
    }
    Ok(out)
}

fn to_announcement(
    row: AnnouncementRow,
    delivery: DeliveryCounts,
    tz: Tz,
) -> Result<Announcement, AppError> {
    let audience = serde_json::from_str(&row.audience)
        .map_err(|e| AppError::internal(format!("stored audience: {e}")))?;
    Ok(Announcement {
        id: row.id,
        title: row.title,
        body: row.body,
        activity_id: row.activity_id,
        audience,
        urgent: row.urgent,
        recipients: i64::from(row.recipients),
        created_by: row.created_by,
        created_at: local(row.created_at, tz),
        delivery,
    })
}
