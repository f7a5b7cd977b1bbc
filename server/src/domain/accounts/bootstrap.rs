//! First start on an empty database, and the demo committee.

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use lvzhi_shared::committees::CommitteeLevel;
use lvzhi_shared::ids::{CommitteeId, MemberId};
use lvzhi_shared::members::{MemberStatus, NewMember, Role};
use rand::Rng;

use crate::auth::password::PasswordHasher;
use crate::config::BootstrapConfig;
use crate::db::schema::{committees as committees_t, users};
use crate::db::{Db, DbConnection};
use crate::domain::accounts::import;
use crate::domain::accounts::members::{self, MemberFields};
use crate::domain::committees::{self, DEFAULT_SECTORS, Founding};
use crate::domain::roster_files;
use crate::error::AppError;

/// The admin account made on first start; its password is shown once.
#[derive(Debug, Clone)]
pub struct FirstAdmin {
    pub phone: String,
    pub password: String,
}

/// On an empty database: creates the configured committee with the default
/// sectors and an active admin with a random password. Otherwise does nothing.
pub async fn first_start(
    db: &Db,
    hasher: &PasswordHasher,
    cfg: &BootstrapConfig,
    now: NaiveDateTime,
) -> anyhow::Result<Option<FirstAdmin>> {
    let empty = db
        .run(|conn| Ok(committees_t::table.count().get_result::<i64>(conn)? == 0))
        .await?;
    if !empty {
        return Ok(None);
    }
    let password = random_password();
    let hash = hasher.hash(password.clone()).await?;
    let cfg = cfg.clone();
    let phone = lvzhi_shared::validate::normalize_phone(&cfg.admin_phone, "admin_phone")
        .map_err(|e| anyhow::anyhow!("bootstrap.admin_phone: {}", e.message))?;
    let admin_phone = phone.clone();
    let created = db
        .write(move |conn| {
            // Another process may have bootstrapped between our check and this lock.
            if committees_t::table.count().get_result::<i64>(conn)? > 0 {
                return Ok(false);
            }
            let level =
                CommitteeLevel::parse(&cfg.committee_level).unwrap_or(CommitteeLevel::County);
            let committee = committees::create(
                conn,
                &Founding::root(&cfg.committee_name, level, &cfg.time_zone),
                DEFAULT_SECTORS,
                now,
            )?;
            let input = NewMember {
                name: cfg.admin_name.clone(),
                phone: admin_phone.clone(),
                ..NewMember::default()
            };
            let fields = MemberFields::parse(&input, now.year()).map_err(AppError::from)?;
            let ((user, _), _) = members::create(conn, committee.id, fields, Role::Admin, 1, now)?;
            set_password(conn, user.id, &hash)?;
            Ok(true)
        })
        .await?;
    Ok(created.then_some(FirstAdmin { phone, password }))
}

fn set_password(conn: &mut DbConnection, user_id: MemberId, hash: &str) -> Result<(), AppError> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(Some(hash)),
            users::status.eq(MemberStatus::Active.as_str()),
        ))
        .execute(conn)?;
    diesel::delete(crate::db::schema::activation_codes::table.find(user_id)).execute(conn)?;
    Ok(())
}

/// A readable one-time password: no 0/O or 1/l to misread.
fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

pub const DEMO_COMMITTEE: &str = "演示县政协";
pub const DEMO_ORGANIZER_PHONE: &str = "13800000001";
pub const DEMO_ORGANIZER_PASSWORD: &str = "demo-organizer";
pub const DEMO_MEMBER_PASSWORD: &str = "demo-member";
const DEMO_ROSTER: &[u8] = include_bytes!("../../../demo/members.csv");

/// Sign-in details printed after loading the demo.
#[derive(Debug, Clone)]
pub struct DemoLogins {
    pub committee_id: CommitteeId,
    pub organizer_id: MemberId,
    pub organizer_phone: String,
    pub organizer_password: String,
    pub member_phone: String,
    pub member_name: String,
    pub member_password: String,
}

/// Loads (or refreshes) the demo committee: the synthetic 320-member roster,
/// an organizer and one activated member with known passwords.
pub async fn load_demo(
    db: &Db,
    hasher: &PasswordHasher,
    now: NaiveDateTime,
) -> anyhow::Result<DemoLogins> {
    let organizer_hash = hasher.hash(DEMO_ORGANIZER_PASSWORD.into()).await?;
    let member_hash = hasher.hash(DEMO_MEMBER_PASSWORD.into()).await?;
    let rows = roster_files::read_file(
        DEMO_ROSTER,
        roster_files::FileLimits {
            max_rows: usize::MAX,
            max_inflated: u64::MAX,
        },
    )?;
    // The committee's term began a year ago: that is when the office
    // entered the roster, as the members' 建档日期 should say.
    let term_began = now - chrono::Duration::days(365);
    let logins = db
        .write(move |conn| {
            let committee_id = match committees_t::table
                .filter(committees_t::name.eq(DEMO_COMMITTEE))
                .select(committees_t::id)
                .first::<CommitteeId>(conn)
                .optional()?
            {
                Some(id) => id,
                None => {
                    committees::create(
                        conn,
                        &Founding::root(DEMO_COMMITTEE, CommitteeLevel::County, "Asia/Shanghai"),
                        DEFAULT_SECTORS,
                        term_began,
                    )?
                    .id
                }
            };
            let applied = import::apply(conn, committee_id, &rows, 30, term_began)?;
            if let Some(e) = applied.errors.first() {
                return Err(AppError::internal(format!(
                    "demo roster row {} rejected: {}",
                    e.row, e.message
                )));
            }
            let organizer = match members::find_by_phone(conn, DEMO_ORGANIZER_PHONE)? {
                Some(u) => u,
                None => {
                    let input = NewMember {
                        name: "演示组织员".into(),
                        phone: DEMO_ORGANIZER_PHONE.into(),
                        workplace: Some("县政协办公室".into()),
                        ..NewMember::default()
                    };
                    let fields = MemberFields::parse(&input, now.year()).map_err(AppError::from)?;
                    members::create(conn, committee_id, fields, Role::Organizer, 1, term_began)?
                        .0
                        .0
                }
            };
            if organizer.password_hash.is_none() {
                set_password(conn, organizer.id, &organizer_hash)?;
            }
            let member: crate::db::models::UserRow = users::table
                .filter(users::committee_id.eq(committee_id))
                .filter(users::member_no.eq("XX-0001"))
                .select(crate::db::models::UserRow::as_select())
                .get_result(conn)?;
            if member.password_hash.is_none() {
                set_password(conn, member.id, &member_hash)?;
            }
            Ok(DemoLogins {
                committee_id,
                organizer_id: organizer.id,
                organizer_phone: organizer.phone,
                organizer_password: DEMO_ORGANIZER_PASSWORD.into(),
                member_phone: member.phone,
                member_name: member.name,
                member_password: DEMO_MEMBER_PASSWORD.into(),
            })
        })
        .await?;
    Ok(logins)
}
