//! The roster: creating, finding, listing and changing member accounts, and
//! their one-time activation codes.

use chrono::{Datelike, Duration, NaiveDateTime};
use chrono_tz::Tz;
use diesel::prelude::*;
use lvzhi_shared::ErrorCode;
use lvzhi_shared::audit::AuditAction;
use lvzhi_shared::ids::{CommitteeId, MemberId, SessionId};
use lvzhi_shared::members::{
    ActivationCode, Gender, Member, MemberPatch, MemberStatus, NewMember, Role,
};
use lvzhi_shared::validate::{self, FieldError};
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::auth::jwt::hex;
use crate::db::DbConnection;
use crate::db::models::{ActivationCodeRow, UserRow};
use crate::db::schema::{activation_codes, console_sessions, refresh_tokens, sectors, users};
use crate::domain::committees::{local, sector_id_by_name};
use crate::domain::{Ctx, audit, notifications::devices, pages};
use crate::error::AppError;
use crate::export::Table;

/// A member's details after validation: parse once, trust after.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberFields {
    pub member_no: Option<String>,
    pub name: String,
    pub gender: Option<Gender>,
    pub phone: String,
    pub sector: Option<String>,
    pub party: Option<String>,
    pub workplace: Option<String>,
    pub birth_year: Option<i32>,
}

impl MemberFields {
    /// Checks every field; the first broken rule is returned.
    /// `this_year` bounds the birth year (from the request's clock).
    pub fn parse(input: &NewMember, this_year: i32) -> Result<Self, FieldError> {
        Ok(Self {
            member_no: validate::optional_member_no(input.member_no.as_deref(), "member_no")?,
            name: validate::validate_name(&input.name, "name")?,
            gender: input.gender,
            phone: validate::normalize_phone(&input.phone, "phone")?,
            sector: validate::optional_text(
                input.sector.as_deref(),
                "sector",
                validate::MAX_SHORT_TEXT_CHARS,
            )?,
            party: validate::optional_text(
                input.party.as_deref(),
                "party",
                validate::MAX_SHORT_TEXT_CHARS,
            )?,
            workplace: validate::optional_text(
                input.workplace.as_deref(),
                "workplace",
                validate::MAX_SHORT_TEXT_CHARS,
            )?,
            birth_year: input
                .birth_year
                .map(|y| validate::birth_year(y, this_year, "birth_year"))
                .transpose()?,
        })
    }
}

/// A user row with its sector's name.
pub type UserWithSector = (UserRow, Option<String>);

pub fn to_member((row, sector): UserWithSector, tz: Tz) -> Member {
    Member {
        gender: row.gender,
        role: row.role,
        status: row.status,
        created_at: local(row.created_at, tz),
        updated_at: local(row.updated_at, tz),
        id: row.id,
        committee_id: row.committee_id,
        member_no: row.member_no,
        name: row.name,
        phone: row.phone,
        sector,
        party: row.party,
        workplace: row.workplace,
        birth_year: row.birth_year,
    }
}

fn with_sector() -> diesel::dsl::LeftJoin<users::table, sectors::table> {
    users::table.left_join(sectors::table)
}

/// A member of `committee_id` by id; other committees' members are not found.
pub fn get(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    id: MemberId,
) -> Result<UserWithSector, AppError> {
    with_sector()
        .filter(users::id.eq(id))
        .filter(users::committee_id.eq(committee_id))
        .select((UserRow::as_select(), sectors::name.nullable()))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("member"))
}

/// The account with this (normalised) phone, in any committee.
pub fn find_by_phone(conn: &mut DbConnection, phone: &str) -> Result<Option<UserRow>, AppError> {
    Ok(users::table
        .filter(users::phone.eq(phone))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Roster filters.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub sector: Option<String>,
    pub q: Option<String>,
    pub status: Option<MemberStatus>,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// One page of a committee's roster in creation order, and the cursor after it.
pub fn list(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    filter: &ListFilter,
) -> Result<(Vec<UserWithSector>, Option<String>), AppError> {
    let mut query = matching(conn, committee_id, filter)?
        .order(users::id.asc())
        .limit(i64::from(filter.limit) + 1);
    if let Some(cursor) = &filter.cursor {
        query = query.filter(users::id.gt(pages::parse_id_cursor::<MemberId>(cursor)?));
    }
    let mut rows: Vec<UserWithSector> = query.load(conn)?;
    let next = if rows.len() > filter.limit as usize {
        rows.truncate(filter.limit as usize);
        rows.last().map(|(u, _)| pages::id_cursor(u.id))
    } else {
        None
    };
    Ok((rows, next))
}

/// The committee's office accounts (organizers and admins), oldest first:
/// a few, so no paging.
pub fn office_accounts(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
) -> Result<Vec<UserWithSector>, AppError> {
    Ok(with_sector()
        .filter(users::committee_id.eq(committee_id))
        .filter(users::role.ne(Role::Member.as_str()))
        .select((UserRow::as_select(), sectors::name.nullable()))
        .order(users::id.asc())
        .load(conn)?)
}

type MemberQuery<'a> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::Select<
        diesel::dsl::Filter<
            diesel::dsl::LeftJoin<users::table, sectors::table>,
            diesel::dsl::Eq<users::committee_id, CommitteeId>,
        >,
        (
            diesel::dsl::AsSelect<UserRow, Backend>,
            diesel::dsl::Nullable<sectors::name>,
        ),
    >,
    Backend,
>;
type Backend = <DbConnection as diesel::Connection>::Backend;

/// The committee's accounts that match the filter's sector, text and status.
fn matching<'a>(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    filter: &ListFilter,
) -> Result<MemberQuery<'a>, AppError> {
    let mut query = with_sector()
        .filter(users::committee_id.eq(committee_id))
        .select((UserRow::as_select(), sectors::name.nullable()))
        .into_boxed();
    if let Some(name) = filter.sector.as_deref().filter(|s| !s.trim().is_empty()) {
        let sector_id = sector_id_by_name(conn, committee_id, name, "sector")?;
        query = query.filter(users::sector_id.eq(sector_id));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(q));
        query = query.filter(
            users::name
                .like(pattern.clone())
                .escape('\\')
                .or(users::phone.like(pattern.clone()).escape('\\'))
                .or(users::member_no.like(pattern.clone()).escape('\\'))
                .or(users::workplace.like(pattern).escape('\\')),
        );
    }
    if let Some(status) = filter.status {
        query = query.filter(users::status.eq(status));
    }
    Ok(query)
}

/// Every account that matches the filter (paging ignored), by member
/// number, on its way out as a file: recorded in the audit log.
pub fn for_export(
    conn: &mut DbConnection,
    ctx: &Ctx,
    filter: &ListFilter,
) -> Result<Vec<Member>, AppError> {
    let rows: Vec<UserWithSector> = matching(conn, ctx.caller.committee_id, filter)?
        .order((users::member_no.asc(), users::id.asc()))
        .load(conn)?;
    let detail = format!("{} 人", rows.len());
    audit::record(conn, ctx, AuditAction::MemberListExported, None, detail)?;
    Ok(rows.into_iter().map(|r| to_member(r, ctx.tz)).collect())
}

/// The member list as a spreadsheet, with Chinese headers.
pub fn table(members: &[Member]) -> Table {
    Table {
        headers: vec![
            "委员编号",
            "姓名",
            "性别",
            "手机号码",
            "界别",
            "党派",
            "工作单位",
            "出生年份",
            "角色",
            "状态",
        ],
        rows: members
            .iter()
            .map(|m| {
                vec![
                    m.member_no.clone().unwrap_or_default(),
                    m.name.clone(),
                    match m.gender {
                        Some(Gender::Male) => "男".into(),
                        Some(Gender::Female) => "女".into(),
                        None => String::new(),
                    },
                    m.phone.clone(),
                    m.sector.clone().unwrap_or_default(),
                    m.party.clone().unwrap_or_default(),
                    m.workplace.clone().unwrap_or_default(),
                    m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                    role_label(m.role).into(),
                    status_label(m.status).into(),
                ]
            })
            .collect(),
    }
}

/// An account's status as a clerk says it.
pub fn status_label(status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Pending => "未激活",
        MemberStatus::Active => "正常",
        MemberStatus::Disabled => "已停用",
    }
}

/// How many of the committee's accounts wait for activation, and the
/// longest-waiting few (the office hands them their codes).
pub fn awaiting_activation(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    limit: u32,
) -> Result<(Vec<UserWithSector>, i64), AppError> {
    let pending = users::status.eq(MemberStatus::Pending);
    let total = users::table
        .filter(users::committee_id.eq(committee_id))
        .filter(pending)
        .count()
        .get_result(conn)?;
    let first = with_sector()
        .filter(users::committee_id.eq(committee_id))
        .filter(pending)
        .select((UserRow::as_select(), sectors::name.nullable()))
        .order(users::id.asc())
        .limit(i64::from(limit))
        .load(conn)?;
    Ok((first, total))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Refuses a phone used by another account, or a member number used by another member of the committee.
pub fn ensure_unique(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    phone: &str,
    member_no: Option<&str>,
    except_id: Option<MemberId>,
) -> Result<(), AppError> {
    let other = |id: &MemberId| Some(*id) != except_id;
    let phone_owner: Option<MemberId> = users::table
        .filter(users::phone.eq(phone))
        .select(users::id)
        .get_result(conn)
        .optional()?;
    if phone_owner.as_ref().is_some_and(other) {
        return Err(AppError::new(
            ErrorCode::PhoneTaken,
            "this phone number is already registered",
        )
        .with_field("phone"));
    }
    if let Some(no) = member_no {
        let no_owner: Option<MemberId> = users::table
            .filter(users::committee_id.eq(committee_id))
            .filter(users::member_no.eq(no))
            .select(users::id)
            .get_result(conn)
            .optional()?;
        if no_owner.as_ref().is_some_and(other) {
            return Err(AppError::new(
                ErrorCode::MemberNoTaken,
                "this member number is already used",
            )
            .with_field("member_no"));
        }
    }
    Ok(())
}

/// The office adds a member: only an admin creates office accounts.
pub fn add(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &NewMember,
    code_days: i64,
) -> Result<(UserWithSector, IssuedCode), AppError> {
    let role = input.role.unwrap_or(Role::Member);
    if role != Role::Member && ctx.caller.role != Role::Admin {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only an admin may create office accounts",
        )
        .with_field("role"));
    }
    let fields = MemberFields::parse(input, ctx.now.year())?;
    create(
        conn,
        ctx.caller.committee_id,
        fields,
        role,
        code_days,
        ctx.now,
    )
}

/// Inserts a pending account and issues its activation code.
pub fn create(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    fields: MemberFields,
    role: Role,
    code_days: i64,
    now: NaiveDateTime,
) -> Result<(UserWithSector, IssuedCode), AppError> {
    ensure_unique(
        conn,
        committee_id,
        &fields.phone,
        fields.member_no.as_deref(),
        None,
    )?;
    let sector_id = fields
        .sector
        .as_deref()
        .map(|s| sector_id_by_name(conn, committee_id, s, "sector"))
        .transpose()?;
    let row = UserRow {
        id: MemberId::new_v7(),
        committee_id,
        member_no: fields.member_no,
        name: fields.name,
        gender: fields.gender,
        phone: fields.phone,
        sector_id,
        party: fields.party,
        workplace: fields.workplace,
        birth_year: fields.birth_year,
        role,
        status: MemberStatus::Pending,
        password_hash: None,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)?;
    let code = issue_activation_code(conn, row.id, code_days, now)?;
    Ok(((row, fields.sector), code))
}

/// Overwrites a member's details with `fields`; returns whether anything changed.
pub fn update_details(
    conn: &mut DbConnection,
    existing: &UserRow,
    fields: &MemberFields,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    ensure_unique(
        conn,
        existing.committee_id,
        &fields.phone,
        fields.member_no.as_deref(),
        Some(existing.id),
    )?;
    let sector_id = fields
        .sector
        .as_deref()
        .map(|s| sector_id_by_name(conn, existing.committee_id, s, "sector"))
        .transpose()?;
    let unchanged = existing.member_no == fields.member_no
        && existing.name == fields.name
        && existing.gender == fields.gender
        && existing.phone == fields.phone
        && existing.sector_id == sector_id
        && existing.party == fields.party
        && existing.workplace == fields.workplace
        && existing.birth_year == fields.birth_year;
    if unchanged {
        return Ok(false);
    }
    diesel::update(users::table.find(&existing.id))
        .set((
            users::member_no.eq(&fields.member_no),
            users::name.eq(&fields.name),
            users::gender.eq(fields.gender),
            users::phone.eq(&fields.phone),
            users::sector_id.eq(sector_id),
            users::party.eq(&fields.party),
            users::workplace.eq(&fields.workplace),
            users::birth_year.eq(fields.birth_year),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Applies a partial change, enforcing who may change what.
pub fn patch(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: MemberId,
    patch: &MemberPatch,
) -> Result<(UserWithSector, Option<MemberStatus>), AppError> {
    let (caller, now) = (&ctx.caller, ctx.now);
    let (existing, sector) = get(conn, caller.committee_id, id)?;
    let existing_role = existing.role;
    if caller.role != Role::Admin && existing_role != Role::Member {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "only an admin may change office accounts",
        ));
    }
    if patch.role.is_some() && caller.role != Role::Admin {
        return Err(
            AppError::new(ErrorCode::Forbidden, "only an admin may change roles")
                .with_field("role"),
        );
    }
    if caller.user_id == existing.id && (patch.role.is_some() || patch.status.is_some()) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "you may not change your own role or status",
        ));
    }
    // Merge the patch over what is stored, then validate the whole as if new.
    let merged = NewMember {
        member_no: patch
            .member_no
            .clone()
            .or_else(|| existing.member_no.clone()),
        name: patch.name.clone().unwrap_or_else(|| existing.name.clone()),
        gender: patch.gender.or(existing.gender),
        phone: patch
            .phone
            .clone()
            .unwrap_or_else(|| existing.phone.clone()),
        sector: patch.sector.clone().or_else(|| sector.clone()),
        party: patch.party.clone().or_else(|| existing.party.clone()),
        workplace: patch
            .workplace
            .clone()
            .or_else(|| existing.workplace.clone()),
        birth_year: patch.birth_year.or(existing.birth_year),
        role: None,
    };
    let fields = MemberFields::parse(&merged, now.year())?;
    update_details(conn, &existing, &fields, now)?;
    if let Some(role) = patch.role {
        diesel::update(users::table.find(id))
            .set((users::role.eq(role.as_str()), users::updated_at.eq(now)))
            .execute(conn)?;
        if role != existing_role {
            let detail = format!(
                "{}：{} → {}",
                existing.name,
                role_label(existing_role),
                role_label(role)
            );
            audit::record(conn, ctx, AuditAction::RoleChanged, Some(&id), detail)?;
        }
    }
    let status_change = match patch.status {
        None => None,
        Some(MemberStatus::Pending) => {
            return Err(AppError::new(
                ErrorCode::InvalidField,
                "status can be set to active or disabled",
            )
            .with_field("status"));
        }
        Some(MemberStatus::Disabled) => {
            set_status(conn, id, MemberStatus::Disabled, now)?;
            revoke_sessions(conn, id, None, now)?;
            if existing.status != MemberStatus::Disabled {
                let action = AuditAction::AccountDisabled;
                audit::record(conn, ctx, action, Some(&id), existing.name.clone())?;
            }
            Some(MemberStatus::Disabled)
        }
        Some(MemberStatus::Active) => {
            // Switching back on returns a never-activated account to pending.
            let status = if existing.password_hash.is_some() {
                MemberStatus::Active
            } else {
                MemberStatus::Pending
            };
            set_status(conn, id, status, now)?;
            if existing.status == MemberStatus::Disabled {
                let action = AuditAction::AccountEnabled;
                audit::record(conn, ctx, action, Some(&id), existing.name.clone())?;
            }
            Some(status)
        }
    };
    Ok((get(conn, caller.committee_id, id)?, status_change))
}

/// A role as a clerk (and the audit log's reader) says it.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Member => "委员",
        Role::Organizer => "工作人员",
        Role::Admin => "管理员",
    }
}

fn set_status(
    conn: &mut DbConnection,
    id: MemberId,
    status: MemberStatus,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(users::table.find(id))
        .set((users::status.eq(status.as_str()), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Ends the account's sessions (all, or all but `keep`, a refresh-token
/// family or a console session): their refresh tokens and console cookies
/// die and their phones stop getting pushes.
pub fn revoke_sessions(
    conn: &mut DbConnection,
    user_id: MemberId,
    keep: Option<SessionId>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let mut live = diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        live = live.filter(refresh_tokens::family_id.ne(keep));
    }
    live.set(refresh_tokens::revoked_at.eq(now)).execute(conn)?;
    let mut console = diesel::update(console_sessions::table)
        .filter(console_sessions::user_id.eq(user_id))
        .filter(console_sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        console = console.filter(console_sessions::id.ne(keep));
    }
    console
        .set(console_sessions::revoked_at.eq(now))
        .execute(conn)?;
    devices::forget_user(conn, user_id, keep)
}

/// Ids of disabled accounts (to refuse their live access tokens at once).
pub fn disabled_ids(conn: &mut DbConnection) -> Result<Vec<MemberId>, AppError> {
    Ok(users::table
        .filter(users::status.eq(MemberStatus::Disabled.as_str()))
        .select(users::id)
        .load(conn)?)
}

/// A code in plain text, as handed to the member once.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub code: String,
    pub expires_at: NaiveDateTime,
}

/// Issues a fresh 8-digit code; any older code of the account stops working.
pub fn issue_activation_code(
    conn: &mut DbConnection,
    user_id: MemberId,
    days: i64,
    now: NaiveDateTime,
) -> Result<IssuedCode, AppError> {
    let code = format!("{:08}", rand::rng().random_range(0..100_000_000u32));
    let row = ActivationCodeRow {
        user_id,
        code_hash: hash_activation_code(user_id, &code),
        attempts: 0,
        expires_at: now + Duration::days(days),
        created_at: now,
    };
    diesel::delete(activation_codes::table.find(user_id)).execute(conn)?;
    diesel::insert_into(activation_codes::table)
        .values(&row)
        .execute(conn)?;
    Ok(IssuedCode {
        code,
        expires_at: row.expires_at,
    })
}

/// Codes are short-lived and single-use; hashing with the account id keeps a
/// read of the table from revealing them directly.
pub fn hash_activation_code(user_id: MemberId, code: &str) -> String {
    hex(&Sha256::digest(format!("{user_id}:{code}").as_bytes()))
}

pub fn to_activation_code(row: &UserRow, code: IssuedCode, tz: Tz) -> ActivationCode {
    ActivationCode {
        member_id: row.id,
        member_no: row.member_no.clone(),
        name: row.name.clone(),
        phone: row.phone.clone(),
        code: code.code,
        expires_at: local(code.expires_at, tz),
    }
}

/// Fresh activation codes for these members (or every account not yet
/// activated, when none are named); earlier codes stop working. Handing
/// codes to the office is recorded in the audit log.
pub fn issue_activation_codes(
    conn: &mut DbConnection,
    ctx: &Ctx,
    member_ids: &[MemberId],
    days: i64,
) -> Result<Vec<(UserRow, IssuedCode)>, AppError> {
    let accounts = for_activation(conn, ctx.caller.committee_id, member_ids)?;
    let issued = accounts
        .into_iter()
        .map(|u| issue_activation_code(conn, u.id, days, ctx.now).map(|c| (u, c)))
        .collect::<Result<Vec<_>, AppError>>()?;
    if !issued.is_empty() {
        let detail = match issued.as_slice() {
            [(one, _)] => one.name.clone(),
            many => format!("{} 个账号", many.len()),
        };
        let one = (issued.len() == 1).then_some(issued[0].0.id);
        let subject = one.as_ref().map(|id| id as &dyn std::fmt::Display);
        audit::record(
            conn,
            ctx,
            AuditAction::ActivationCodesIssued,
            subject,
            detail,
        )?;
    }
    Ok(issued)
}

/// Pending members of a committee, or the listed ones (which must belong to it).
fn for_activation(
    conn: &mut DbConnection,
    committee_id: CommitteeId,
    member_ids: &[MemberId],
) -> Result<Vec<UserRow>, AppError> {
    if member_ids.is_empty() {
        return Ok(users::table
            .filter(users::committee_id.eq(committee_id))
            .filter(users::status.eq(MemberStatus::Pending.as_str()))
            .select(UserRow::as_select())
            .order(users::id.asc())
            .load(conn)?);
    }
    let mut rows = Vec::with_capacity(member_ids.len());
    for id in member_ids {
        let (row, _) = get(conn, committee_id, *id)?;
        if row.status != MemberStatus::Pending {
            return Err(AppError::new(
                ErrorCode::InvalidField,
                "only members not yet activated get codes",
            )
            .with_field("member_ids"));
        }
        rows.push(row);
    }
    Ok(rows)
}
