//! The sign-up engine: places, first-come waitlists per role, promotion,
//! organizer overrides and capacity changes.
//!
//! Every change runs in one write transaction holding the activity's lock
//! (`activities::lock`), so counts read inside it are exact on both backends
//! and two servers in front of one PostgreSQL never overbook. `seq` numbers
//! sign-ups in the order they took the lock: the waitlist order.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::{
    ActivityStatus, CapacityOverflow, MySignup, RosterAdd, SignupResult, SignupStatus,
};
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{ActivityId, CommitteeId, MemberId, RoleSlotId, SectorId, SignupId};

use crate::auth::Caller;
use crate::db::DbConnection;
use crate::db::models::{ActivityRow, RoleRow, SignupRow};
use crate::db::schema::{activities as activities_t, activity_roles, signups, users};
use crate::domain::activities::{self, status_of};
use crate::domain::committees::local;
use crate::domain::idempotency::{self, IdemKey};
use crate::domain::notifications::notices::Notice;
use crate::domain::notifications::outbox::Notifier;
use crate::domain::{Ctx, audit};
use crate::error::AppError;

/// Sign-ups that hold or wait for a place.
const LIVE: [SignupStatus; 2] = [SignupStatus::Registered, SignupStatus::Waitlisted];

fn registered_in(
    conn: &mut DbConnection,
    activity_id: ActivityId,
    role_id: Option<RoleSlotId>,
) -> Result<i32, AppError> {
    let mut q = signups::table
        .filter(signups::activity_id.eq(activity_id))
        .filter(signups::status.eq(SignupStatus::Registered.as_str()))
        .into_boxed();
    if let Some(role) = role_id {
        q = q.filter(signups::role_id.eq(role));
    }
    Ok(i32::try_from(q.count().get_result::<i64>(conn)?).unwrap_or(i32::MAX))
}

/// Place in the role's waitlist, 1 being next.
fn position(conn: &mut DbConnection, row: &SignupRow) -> Result<i32, AppError> {
    let ahead: i64 = signups::table
        .filter(signups::role_id.eq(&row.role_id))
        .filter(signups::status.eq(SignupStatus::Waitlisted.as_str()))
        .filter(signups::seq.lt(row.seq))
        .count()
        .get_result(conn)?;
    Ok(i32::try_from(ahead + 1).unwrap_or(i32::MAX))
}

fn find(
    conn: &mut DbConnection,
    activity_id: ActivityId,
    user_id: MemberId,
) -> Result<Option<SignupRow>, AppError> {
    Ok(signups::table
        .filter(signups::activity_id.eq(activity_id))
        .filter(signups::user_id.eq(user_id))
        .select(SignupRow::as_select())
        .get_result(conn)
        .optional()?)
}

fn status(row: &SignupRow) -> SignupStatus {
    row.status
}

/// The caller's sign-up for an activity, with their waitlist position.
pub fn mine(
    conn: &mut DbConnection,
    activity_id: ActivityId,
    user_id: MemberId,
    tz: Tz,
) -> Result<Option<MySignup>, AppError> {
    find(conn, activity_id, user_id)?
        .map(|row| as_mine(conn, row, tz))
        .transpose()
}

/// A sign-up row as its member sees it (waitlist position counted when waiting).
pub fn as_mine(conn: &mut DbConnection, row: SignupRow, tz: Tz) -> Result<MySignup, AppError> {
    let s = status(&row);
    let position = if s == SignupStatus::Waitlisted {
        Some(position(conn, &row)?)
    } else {
        None
    };
    Ok(MySignup {
        status: s,
        role_id: row.role_id,
        position,
        checked_in_at: row.checked_in_at.map(|t| local(t, tz)),
        attendance: row.attendance,
    })
}

fn result(
    conn: &mut DbConnection,
    row: &SignupRow,
    promoted: Vec<MemberId>,
) -> Result<SignupResult, AppError> {
    let s = status(row);
    Ok(SignupResult {
        activity_id: row.activity_id,
        member_id: row.user_id,
        role_id: row.role_id,
        status: s,
        position: if s == SignupStatus::Waitlisted {
            Some(position(conn, row)?)
        } else {
            None
        },
        promoted,
    })
}

/// The role asked for, or the only one when none is named.
fn pick_role(
    conn: &mut DbConnection,
    activity_id: ActivityId,
    role_id: Option<RoleSlotId>,
) -> Result<RoleRow, AppError> {
    let roles: Vec<RoleRow> = activity_roles::table
        .filter(activity_roles::activity_id.eq(activity_id))
        .order(activity_roles::position.asc())
        .select(RoleRow::as_select())
        .load(conn)?;
    choose_role(&roles, role_id).cloned()
}

fn next_seq(conn: &mut DbConnection, activity_id: ActivityId) -> Result<i64, AppError> {
    let max: Option<i64> = signups::table
        .filter(signups::activity_id.eq(activity_id))
        .select(diesel::dsl::max(signups::seq))
        .get_result(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

/// Whether a place is free in both the role and the activity.
fn has_place(
    conn: &mut DbConnection,
    activity: &ActivityRow,
    role: &RoleRow,
) -> Result<bool, AppError> {
    Ok(
        registered_in(conn, activity.id, Some(role.id))? < role.capacity
            && registered_in(conn, activity.id, None)? < activity.capacity,
    )
}

/// A member's sign-up as it is to be written: in which slot, how it
/// stands, and its place `seq` in line.
struct Entry {
    activity_id: ActivityId,
    role_id: RoleSlotId,
    user_id: MemberId,
    status: SignupStatus,
    seq: i64,
}

/// Writes the member's row (reviving a withdrawn one) as `entry` says.
/// A revived row is a new sign-up: it is made (`created_at`) now.
fn store(
    conn: &mut DbConnection,
    existing: Option<SignupRow>,
    entry: Entry,
    now: NaiveDateTime,
) -> Result<SignupRow, AppError> {
    let Entry {
        activity_id,
        role_id,
        user_id,
        status,
        seq,
    } = entry;
    match existing {
        Some(mut row) => {
            diesel::update(signups::table.find(&row.id))
                .set((
                    signups::role_id.eq(role_id),
                    signups::seq.eq(seq),
                    signups::status.eq(status.as_str()),
                    signups::attendance.eq(None::<String>),
                    signups::checked_in_at.eq(None::<NaiveDateTime>),
                    signups::created_at.eq(now),
                    signups::updated_at.eq(now),
                ))
                .execute(conn)?;
            row.created_at = now;
            row.updated_at = now;
            row.role_id = role_id;
            row.seq = seq;
            row.status = status;
            row.attendance = None;
            row.checked_in_at = None;
            Ok(row)
        }
        None => {
            let row = SignupRow {
                id: SignupId::new_v7(),
                activity_id,
                role_id,
                user_id,
                seq,
                status,
                attendance: None,
                checked_in_at: None,
                created_at: now,
                updated_at: now,
            };
            diesel::insert_into(signups::table)
                .values(&row)
                .execute(conn)?;
            Ok(row)
        }
    }
}

/// Queues `notice` to one member (single changes; batches load a `Notifier` once).
fn tell(
    conn: &mut DbConnection,
    activity: &ActivityRow,
    user_id: MemberId,
    notice: Notice<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    Notifier::load(conn, activity.committee_id)?.tell(conn, user_id, &notice, now)
}

/// One member's request to sign up, as queued.
#[derive(Debug, Clone)]
pub struct SignupJob {
    pub caller: Caller,
    pub role_id: Option<RoleSlotId>,
    pub idem: Option<IdemKey>,
}

/// Places taken and waiting per role, kept in memory across one batch.
struct Tally {
    registered_total: i32,
    registered: HashMap<RoleSlotId, i32>,
    waitlisted: HashMap<RoleSlotId, i32>,
    next_seq: i64,
}

impl Tally {
    fn load(conn: &mut DbConnection, activity_id: ActivityId) -> Result<Self, AppError> {
        let rows: Vec<(RoleSlotId, String, i64)> = signups::table
            .filter(signups::activity_id.eq(activity_id))
            .filter(signups::status.eq_any(LIVE))
            .group_by((signups::role_id, signups::status))
            .select((signups::role_id, signups::status, diesel::dsl::count_star()))
            .load(conn)?;
        let mut tally = Tally {
            registered_total: 0,
            registered: HashMap::new(),
            waitlisted: HashMap::new(),
            next_seq: next_seq(conn, activity_id)?,
        };
        for (role, status, n) in rows {
            let n = i32::try_from(n).unwrap_or(i32::MAX);
            if status == SignupStatus::Registered.as_str() {
                tally.registered_total += n;
                tally.registered.insert(role, n);
            } else {
                tally.waitlisted.insert(role, n);
            }
        }
        Ok(tally)
    }
}

/// Signs up a batch of members for one activity in one transaction: the
/// activity's lock is taken once and its counts read once, then each request
/// is judged in arrival order. A request broken by a rule gets its own error;
/// the others go on. This is what lets a rush of sign-ups on one activity
/// pass the one-commit-per-sign-up ceiling.
pub fn sign_up_batch(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    activity_id: ActivityId,
    jobs: &[SignupJob],
    now: NaiveDateTime,
) -> Result<Vec<Result<SignupResult, AppError>>, AppError> {
    let activity = activities::lock(conn, committee_id, activity_id)?;
    let roles: Vec<RoleRow> = activity_roles::table
        .filter(activity_roles::activity_id.eq(&activity.id))
        .order(activity_roles::position.asc())
        .select(RoleRow::as_select())
        .load(conn)?;
    let mut tally = Tally::load(conn, activity.id)?;
    let mut known = Known::load(conn, &activity, jobs)?;
    let notifier = Notifier::load(conn, activity.committee_id)?;
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        let answer = match idempotency::replay(conn, job.idem.as_ref())? {
            Some(previous) => Ok(previous),
            None => {
                let batch = Batch {
                    activity: &activity,
                    roles: &roles,
                    notifier: &notifier,
                };
                let fresh = sign_up_one(conn, &batch, &mut tally, &mut known, job, now);
                if let Ok(a) = &fresh {
                    idempotency::store(conn, job.idem.as_ref(), a, now)?;
                }
                fresh
            }
        };
        answers.push(answer);
    }
    Ok(answers)
}

/// What a batch needs to know of its members, read in a few queries up front
/// instead of a few per member: their sectors, whether the audience admits
/// them, and their existing sign-ups (kept current as the batch writes).
struct Known {
    sectors: HashMap<MemberId, Option<SectorId>>,
    admitted: HashSet<MemberId>,
    signups: HashMap<MemberId, SignupRow>,
}

impl Known {
    fn load(
        conn: &mut DbConnection,
        activity: &ActivityRow,
        jobs: &[SignupJob],
    ) -> Result<Self, AppError> {
        let ids: Vec<MemberId> = jobs.iter().map(|j| j.caller.user_id).collect();
        let sectors: HashMap<MemberId, Option<SectorId>> = users::table
            .filter(users::id.eq_any(&ids))
            .select((users::id, users::sector_id))
            .load(conn)?
            .into_iter()
            .collect();
        let admitted = activities::admitted(conn, activity, &sectors)?;
        let signups = signups::table
            .filter(signups::activity_id.eq(&activity.id))
            .filter(signups::user_id.eq_any(&ids))
            .select(SignupRow::as_select())
            .load::<SignupRow>(conn)?
            .into_iter()
            .map(|r| (r.user_id, r))
            .collect();
        Ok(Self {
            sectors,
            admitted,
            signups,
        })
    }
}

/// What every sign-up of a batch shares.
struct Batch<'a> {
    activity: &'a ActivityRow,
    roles: &'a [RoleRow],
    notifier: &'a Notifier,
}

fn sign_up_one(
    conn: &mut DbConnection,
    batch: &Batch<'_>,
    tally: &mut Tally,
    known: &mut Known,
    job: &SignupJob,
    now: NaiveDateTime,
) -> Result<SignupResult, AppError> {
    let Batch {
        activity,
        roles,
        notifier,
    } = *batch;
    let user_id = job.caller.user_id;
    let user_sector = known.sectors.get(&user_id).copied().flatten();
    if !known.admitted.contains(&user_id) {
        return Err(AppError::new(
            ErrorCode::NotInAudience,
            "this activity is not open to you",
        ));
    }
    if status_of(activity) != ActivityStatus::Published {
        return Err(AppError::new(
            ErrorCode::ActivityNotOpen,
            "this activity is not open for sign-up",
        ));
    }
    if activity.signup_opens_at.is_some_and(|t| now < t) {
        return Err(AppError::new(
            ErrorCode::SignupNotOpen,
            "sign-up has not opened yet",
        ));
    }
    if now >= activity.signup_closes_at.unwrap_or(activity.starts_at) {
        return Err(AppError::new(ErrorCode::SignupClosed, "sign-up has closed"));
    }
    let role = choose_role(roles, job.role_id)?;
    if role.sector_id.is_some() && role.sector_id != user_sector {
        return Err(AppError::new(
            ErrorCode::RoleSectorMismatch,
            "this role is for members of another sector",
        )
        .with_field("role_id"));
    }
    let existing = known.signups.get(&user_id).cloned();
    if existing.as_ref().is_some_and(|r| LIVE.contains(&r.status)) {
        return Err(AppError::new(
            ErrorCode::AlreadySignedUp,
            "you are already signed up",
        ));
    }
    if activity.forbid_overlap && overlaps(conn, activity, user_id)? {
        return Err(AppError::new(
            ErrorCode::ScheduleConflict,
            "you are signed up for another activity at this time",
        ));
    }
    let in_role = tally.registered.get(&role.id).copied().unwrap_or(0);
    let (status, position) =
        if in_role < role.capacity && tally.registered_total < activity.capacity {
            tally.registered_total += 1;
            tally.registered.insert(role.id, in_role + 1);
            (SignupStatus::Registered, None)
        } else {
            let waiting = tally.waitlisted.entry(role.id).or_insert(0);
            *waiting += 1;
            (SignupStatus::Waitlisted, Some(*waiting))
        };
    let seq = tally.next_seq;
    tally.next_seq += 1;
    let entry = Entry {
        activity_id: activity.id,
        role_id: role.id,
        user_id,
        status,
        seq,
    };
    let row = store(conn, existing, entry, now)?;
    // Later requests of this batch must see this one.
    known.signups.insert(user_id, row);
    let notice = match position {
        None => Notice::SignupConfirmed(activity),
        Some(p) => Notice::Waitlisted(activity, p),
    };
    notifier.tell(conn, user_id, &notice, now)?;
    Ok(SignupResult {
        activity_id: activity.id,
        member_id: user_id,
        role_id: role.id,
        status,
        position,
        promoted: Vec::new(),
    })
}

fn choose_role(roles: &[RoleRow], role_id: Option<RoleSlotId>) -> Result<&RoleRow, AppError> {
    match (role_id, roles) {
        (Some(id), _) => roles.iter().find(|r| r.id == id).ok_or_else(|| {
            AppError::new(ErrorCode::UnknownRole, "no such role in this activity")
                .with_field("role_id")
        }),
        (None, [only]) => Ok(only),
        (None, _) => {
            Err(AppError::new(ErrorCode::FieldRequired, "choose a role").with_field("role_id"))
        }
    }
}

/// Another live sign-up of the member whose activity overlaps this one in time.
fn overlaps(
    conn: &mut DbConnection,
    activity: &ActivityRow,
    user_id: MemberId,
) -> Result<bool, AppError> {
    let n: i64 = signups::table
        .inner_join(activities_t::table)
        .filter(signups::user_id.eq(user_id))
        .filter(signups::status.eq_any(LIVE))
        .filter(activities_t::id.ne(&activity.id))
        .filter(activities_t::status.eq(ActivityStatus::Published.as_str()))
        .filter(activities_t::starts_at.lt(activity.ends_at))
        .filter(activities_t::ends_at.gt(activity.starts_at))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A member withdraws; a freed place goes to the next in line at once.
pub fn cancel_mine(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    idem: Option<&IdemKey>,
) -> Result<SignupResult, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let activity = activities::lock(conn, caller.committee_id, activity_id)?;
    if let Some(previous) = idempotency::replay(conn, idem)? {
        return Ok(previous);
    }
    let answer = withdraw(
        conn,
        &activity,
        caller.user_id,
        SignupStatus::Cancelled,
        now,
    )?;
    idempotency::store(conn, idem, &answer, now)?;
    Ok(answer)
}

fn withdraw(
    conn: &mut DbConnection,
    activity: &ActivityRow,
    user_id: MemberId,
    to: SignupStatus,
    now: NaiveDateTime,
) -> Result<SignupResult, AppError> {
    // Once it has started, who took part is the record: withdrawing would erase it.
    if status_of(activity) != ActivityStatus::Published || now >= activity.starts_at {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "the activity has started, ended or been cancelled; sign-ups can no longer change",
        ));
    }
    let mut row = find(conn, activity.id, user_id)?
        .filter(|r| LIVE.contains(&r.status))
        .ok_or_else(|| AppError::new(ErrorCode::NotSignedUp, "not signed up for this activity"))?;
    diesel::update(signups::table.find(&row.id))
        .set((signups::status.eq(to.as_str()), signups::updated_at.eq(now)))
        .execute(conn)?;
    row.status = to;
    let promoted = fill_vacancies(conn, activity, now)?;
    result(conn, &row, promoted)
}

/// Moves waitlisted members into free places, earliest first across roles.
pub fn fill_vacancies(
    conn: &mut DbConnection,
    activity: &ActivityRow,
    now: NaiveDateTime,
) -> Result<Vec<MemberId>, AppError> {
    let roles: Vec<RoleRow> = activity_roles::table
        .filter(activity_roles::activity_id.eq(&activity.id))
        .select(RoleRow::as_select())
        .load(conn)?;
    let mut promoted = Vec::new();
    loop {
        if registered_in(conn, activity.id, None)? >= activity.capacity {
            break;
        }
        let mut open_roles = Vec::new();
        for r in &roles {
            if registered_in(conn, activity.id, Some(r.id))? < r.capacity {
                open_roles.push(r.id);
            }
        }
        let next: Option<SignupRow> = signups::table
            .filter(signups::activity_id.eq(&activity.id))
            .filter(signups::status.eq(SignupStatus::Waitlisted.as_str()))
            .filter(signups::role_id.eq_any(&open_roles))
            .order(signups::seq.asc())
            .select(SignupRow::as_select())
            .first(conn)
            .optional()?;
        let Some(next) = next else { break };
        diesel::update(signups::table.find(&next.id))
            .set((
                signups::status.eq(SignupStatus::Registered.as_str()),
                signups::updated_at.eq(now),
            ))
            .execute(conn)?;
        tell(
            conn,
            activity,
            next.user_id,
            Notice::Promoted(activity, false),
            now,
        )?;
        promoted.push(next.user_id);
    }
    Ok(promoted)
}

/// What a capacity change did.
#[derive(Debug, Default, Clone)]
pub struct CapacityChange {
    pub moved_to_waitlist: Vec<MemberId>,
    pub promoted: Vec<MemberId>,
}

/// Sets the activity's (or one role's) capacity. Lowering it below the
/// members registered refuses, or with `Waitlist` moves the most recent
/// registrations back to the head of the waitlist, naming them.
pub fn set_capacity(
    conn: &mut DbConnection,
    activity: &ActivityRow,
    role: Option<&RoleRow>,
    capacity: i32,
    overflow: CapacityOverflow,
    now: NaiveDateTime,
) -> Result<CapacityChange, AppError> {
    let registered = registered_in(conn, activity.id, role.map(|r| r.id))?;
    let mut change = CapacityChange::default();
    if capacity < registered {
        if overflow == CapacityOverflow::Refuse {
            return Err(AppError::new(
                ErrorCode::CapacityBelowRegistered,
                format!("{registered} members are registered; choose on_overflow=waitlist to move the newest to the waitlist"),
            )
            .with_field("capacity"));
        }
        let mut newest = signups::table
            .filter(signups::activity_id.eq(&activity.id))
            .filter(signups::status.eq(SignupStatus::Registered.as_str()))
            .order(signups::seq.desc())
            .limit(i64::from(registered - capacity))
            .select(SignupRow::as_select())
            .into_boxed();
        if let Some(r) = role {
            newest = newest.filter(signups::role_id.eq(&r.id));
        }
        for row in newest.load(conn)? {
            diesel::update(signups::table.find(&row.id))
                .set((
                    signups::status.eq(SignupStatus::Waitlisted.as_str()),
                    signups::updated_at.eq(now),
                ))
                .execute(conn)?;
            tell(
                conn,
                activity,
                row.user_id,
                Notice::MovedToWaitlist(activity),
                now,
            )?;
            change.moved_to_waitlist.push(row.user_id);
        }
    }
    match role {
        Some(r) => {
            diesel::update(activity_roles::table.find(&r.id))
                .set(activity_roles::capacity.eq(capacity))
                .execute(conn)?;
        }
        None => {
            diesel::update(activities_t::table.find(&activity.id))
                .set(activities_t::capacity.eq(capacity))
                .execute(conn)?;
            // With a single slot, the slot is the activity: they change together.
            let slots: Vec<RoleSlotId> = activity_roles::table
                .filter(activity_roles::activity_id.eq(&activity.id))
                .select(activity_roles::id)
                .load(conn)?;
            if let [only] = slots.as_slice() {
                diesel::update(activity_roles::table.find(only))
                    .set(activity_roles::capacity.eq(capacity))
                    .execute(conn)?;
            }
        }
    }
    let mut updated = activity.clone();
    if role.is_none() {
        updated.capacity = capacity;
    }
    change.promoted = fill_vacancies(conn, &updated, now)?;
    Ok(change)
}

/// Changes one role's capacity.
pub fn set_role_capacity(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    role_id: RoleSlotId,
    capacity: i32,
    overflow: CapacityOverflow,
) -> Result<CapacityChange, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let activity = activities::lock(conn, caller.committee_id, activity_id)?;
    lvzhi_shared::validate::capacity(capacity, "capacity")?;
    let role = pick_role(conn, activity.id, Some(role_id))?;
    if capacity > activity.capacity {
        return Err(AppError::new(
            ErrorCode::InvalidField,
            format!(
                "a role slot may hold at most the activity's {} places",
                activity.capacity
            ),
        )
        .with_field("capacity"));
    }
    set_capacity(conn, &activity, Some(&role), capacity, overflow, now)
}

/// The office adds a member (any time, any audience), with a place if one is
/// free or `over_capacity` is set, else on the waitlist.
pub fn add_by_office(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    add: &RosterAdd,
) -> Result<SignupResult, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let activity = activities::lock(conn, caller.committee_id, activity_id)?;
    if !matches!(
        status_of(&activity),
        ActivityStatus::Draft | ActivityStatus::Published
    ) {
        return Err(AppError::new(
            ErrorCode::ActivityNotOpen,
            "this activity is cancelled or completed",
        ));
    }
    let member: Option<MemberId> = users::table
        .filter(users::id.eq(&add.member_id))
        .filter(users::committee_id.eq(&caller.committee_id))
        .select(users::id)
        .get_result(conn)
        .optional()?;
    let member = member.ok_or_else(|| AppError::not_found("member").with_field("member_id"))?;
    let role = pick_role(conn, activity.id, add.role_id)?;
    let existing = find(conn, activity.id, member)?;
    if existing.as_ref().is_some_and(|r| LIVE.contains(&r.status)) {
        return Err(AppError::new(
            ErrorCode::AlreadySignedUp,
            "this member is already signed up",
        ));
    }
    let status = if add.over_capacity || has_place(conn, &activity, &role)? {
        SignupStatus::Registered
    } else {
        SignupStatus::Waitlisted
    };
    let entry = Entry {
        activity_id: activity.id,
        role_id: role.id,
        user_id: member,
        status,
        seq: next_seq(conn, activity.id)?,
    };
    let row = store(conn, existing, entry, now)?;
    let waitlisted = status == SignupStatus::Waitlisted;
    log_for_member(conn, ctx, AuditAction::SignedUpForMember, &activity, member)?;
    tell(
        conn,
        &activity,
        member,
        Notice::AddedByOffice(&activity, waitlisted),
        now,
    )?;
    result(conn, &row, Vec::new())
}

/// The office takes a member off; the place goes to the next in line.
pub fn remove_by_office(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    member_id: MemberId,
) -> Result<SignupResult, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let activity = activities::lock(conn, caller.committee_id, activity_id)?;
    let answer = withdraw(conn, &activity, member_id, SignupStatus::Removed, now)?;
    log_for_member(
        conn,
        ctx,
        AuditAction::RemovedForMember,
        &activity,
        member_id,
    )?;
    tell(conn, &activity, member_id, Notice::Removed(&activity), now)?;
    Ok(answer)
}

/// The office moves a waitlisted member to registered, even over capacity.
pub fn promote_by_office(
    conn: &mut DbConnection,
    ctx: &Ctx,
    activity_id: ActivityId,
    member_id: MemberId,
) -> Result<SignupResult, AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let activity = activities::lock(conn, caller.committee_id, activity_id)?;
    let mut row = find(conn, activity.id, member_id)?
        .filter(|r| r.status == SignupStatus::Waitlisted)
        .ok_or_else(|| {
            AppError::new(ErrorCode::NotSignedUp, "this member is not on the waitlist")
        })?;
    diesel::update(signups::table.find(&row.id))
        .set((
            signups::status.eq(SignupStatus::Registered.as_str()),
            signups::updated_at.eq(now),
        ))
        .execute(conn)?;
    row.status = SignupStatus::Registered;
    log_for_member(
        conn,
        ctx,
        AuditAction::PromotedForMember,
        &activity,
        member_id,
    )?;
    tell(
        conn,
        &activity,
        member_id,
        Notice::Promoted(&activity, true),
        now,
    )?;
    result(conn, &row, Vec::new())
}

/// The audit line for something the office did for a member: who, and on
/// which activity.
fn log_for_member(
    conn: &mut DbConnection,
    ctx: &Ctx,
    action: AuditAction,
    activity: &ActivityRow,
    member_id: MemberId,
) -> Result<(), AppError> {
    let name: String = users::table
        .find(member_id)
        .select(users::name)
        .get_result(conn)?;
    let detail = format!("{name} · {}", activity.title);
    audit::record(conn, ctx, action, Some(&member_id), detail)
}
