//! Members with one phone each, written straight into the server's database
//! with the server's own library: each member's fields checked by
//! `MemberFields::parse` as the API would, then multi-row inserts (1,000 rows
//! a statement) of accounts and devices in one transaction.

use chrono::Datelike;
use diesel::prelude::*;
use lvzhi_server::clock::{Clock, SystemClock};
use lvzhi_server::db::schema::{committees, devices, users};
use lvzhi_server::db::{Db, DbConnection};
use lvzhi_server::domain::accounts::members::MemberFields;
use lvzhi_server::error::AppError;
use lvzhi_shared::ids::{CommitteeId, MemberId, SessionId};
use lvzhi_shared::members::{MemberStatus, NewMember, Role};

/// Rows per INSERT (8 and 6 bound values a row: far below either backend's limit).
const CHUNK: usize = 1000;

/// Inserts `count` pending members of the (only) committee, each with one
/// live Android device, and returns the device tokens.
pub async fn members_with_phones(database_url: &str, count: usize) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    // Connecting (and its no-op migration check) blocks.
    let db = tokio::task::spawn_blocking(move || Db::connect(&url, 1)).await??;
    let tokens: Vec<String> = (0..count).map(|_| fcm_like_token()).collect();
    let devices_of = tokens.clone();
    db.write(move |conn| {
        let committee: Vec<CommitteeId> = committees::table.select(committees::id).load(conn)?;
        let [committee] = committee.as_slice() else {
            return Err(AppError::internal(format!(
                "expected the one committee of the first start, found {}",
                committee.len()
            )));
        };
        let now = SystemClock.now_naive();
        let mut people = Vec::with_capacity(count);
        for i in 0..count {
            let input = NewMember {
                name: format!(
                    "推送委员{}",
                    lvzhi_tests::chinese_digits(&format!("{i:05}"))
                ),
                phone: format!("139{i:08}"),
                ..NewMember::default()
            };
            let fields = MemberFields::parse(&input, now.year()).map_err(AppError::from)?;
            people.push((MemberId::new_v7(), fields.name, fields.phone));
        }
        for chunk in people.chunks(CHUNK) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(id, name, phone)| {
                    (
                        users::id.eq(id),
                        users::committee_id.eq(committee),
                        users::name.eq(name),
                        users::phone.eq(phone),
                        users::role.eq(Role::Member.as_str()),
                        users::status.eq(MemberStatus::Pending.as_str()),
                        users::created_at.eq(now),
                        users::updated_at.eq(now),
                    )
                })
                .collect();
            let insert = diesel::insert_into(users::table).values(rows);
            match conn {
                DbConnection::Sqlite(c) => insert.execute(c)?,
                DbConnection::Postgres(c) => insert.execute(c)?,
            };
        }
        let pairs: Vec<(&MemberId, &String)> = people
            .iter()
            .map(|(id, _, _)| id)
            .zip(devices_of.iter())
            .collect();
        // One session for all the seeded phones.
        let session = SessionId::new_v7();
        for chunk in pairs.chunks(CHUNK) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(user, token)| {
                    (
                        devices::token.eq(*token),
                        devices::user_id.eq(*user),
                        devices::session_id.eq(session),
                        devices::platform.eq("android"),
                        devices::created_at.eq(now),
                        devices::updated_at.eq(now),
                    )
                })
                .collect();
            let insert = diesel::insert_into(devices::table).values(rows);
            match conn {
                DbConnection::Sqlite(c) => insert.execute(c)?,
                DbConnection::Postgres(c) => insert.execute(c)?,
            };
        }
        Ok(())
    })
    .await?;
    Ok(tokens)
}

/// A unique token about as long as a real FCM registration token (~160 characters).
pub fn fcm_like_token() -> String {
    let mut token = format!("{}:APA91b", uuid::Uuid::new_v4().simple());
    for _ in 0..4 {
        token.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    token
}
