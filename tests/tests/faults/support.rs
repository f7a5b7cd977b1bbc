//! What the fault scenarios share: members written straight into the
//! database (hundreds of API sign-ins would only cost time), access tokens
//! minted with the children's signing secret, sign-ups with idempotency keys,
//! and the roster's invariants.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Datelike;
use diesel::prelude::*;
use lvzhi_server::auth::jwt::JwtKeys;
use lvzhi_server::clock::{Clock, SystemClock};
use lvzhi_server::config::{AuthConfig, Secret};
use lvzhi_server::db::schema::{committees, devices, users};
use lvzhi_server::db::{self, Db, DbConnection};
use lvzhi_server::domain::accounts::members::MemberFields;
use lvzhi_server::error::AppError;
use lvzhi_shared::activities::{Activity, Roster, SignupResult, SignupStatus};
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::ids::{ActivityId, CommitteeId, MemberId, SessionId};
use lvzhi_shared::members::{MemberStatus, NewMember, Role};
use lvzhi_tests::child::CHILD_JWT_SECRET;
use lvzhi_tests::json_ok;
use reqwest::{Client, StatusCode};
use serde_json::json;

/// Rows per INSERT.
const CHUNK: usize = 500;

/// A member made for a scenario.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: MemberId,
    /// A bearer token signed with [`CHILD_JWT_SECRET`].
    pub token: String,
    /// Their phone's FCM token, when made `with_phones`.
    pub device: Option<String>,
}

/// A client for one scenario: no proxy, and a timeout longer than any
/// answer may take (the pool waits 5 s for a connection before giving up).
pub fn client() -> Client {
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(0)
        .build()
        .expect("http client")
}

/// Writes `count` active members of the database's one committee (phones
/// `prefix` + 5 digits), each with one Android phone if `with_phones`, and
/// mints each an access token.
pub async fn seed_members(
    database_url: &str,
    prefix: &str,
    count: usize,
    with_phones: bool,
) -> Vec<Member> {
    assert_eq!(prefix.len(), 6, "prefix + 5 digits make a phone number");
    let url = database_url.to_owned();
    let prefix = prefix.to_owned();
    tokio::task::spawn_blocking(move || {
        let db = Db::connect(&url, 1).expect("connect to the scenario's database");
        let auth = AuthConfig {
            jwt_secret: Some(Secret(CHILD_JWT_SECRET.into())),
            ..AuthConfig::default()
        };
        let keys = JwtKeys::load(&db, &auth, Arc::new(SystemClock)).expect("signing keys");
        let mut conn = db.get().expect("connection");
        db::write_tx(&mut conn, |conn| {
            insert_members(conn, &keys, &prefix, count, with_phones)
        })
        .expect("seed members")
    })
    .await
    .expect("seeding task")
}

fn insert_members(
    conn: &mut DbConnection,
    keys: &JwtKeys,
    prefix: &str,
    count: usize,
    with_phones: bool,
) -> Result<Vec<Member>, AppError> {
    let committee: CommitteeId = committees::table.select(committees::id).get_result(conn)?;
    // One session for the seeded tokens and phones.
    let session = SessionId::new_v7();
    let now = SystemClock.now_naive();
    let mut people = Vec::with_capacity(count);
    for i in 0..count {
        let input = NewMember {
            name: format!(
                "故障委员{}",
                lvzhi_tests::chinese_digits(&format!("{i:05}"))
            ),
            phone: format!("{prefix}{i:05}"),
            ..NewMember::default()
        };
        let fields = MemberFields::parse(&input, now.year()).map_err(AppError::from)?;
        let id = MemberId::new_v7();
        let token = keys.issue(id, committee, Role::Member, session)?;
        let device = with_phones.then(|| format!("fault-phone-{}", uuid::Uuid::new_v4().simple()));
        people.push((fields, Member { id, token, device }));
    }
    for chunk in people.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(f, m)| {
                (
                    users::id.eq(m.id),
                    users::committee_id.eq(committee),
                    users::name.eq(&f.name),
                    users::phone.eq(&f.phone),
                    users::role.eq(Role::Member.as_str()),
                    users::status.eq(MemberStatus::Active.as_str()),
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
        let phones: Vec<_> = chunk
            .iter()
            .filter_map(|(_, m)| m.device.as_ref().map(|d| (m, d)))
            .map(|(m, d)| {
                (
                    devices::token.eq(d),
                    devices::user_id.eq(m.id),
                    devices::session_id.eq(session),
                    devices::platform.eq("android"),
                    devices::created_at.eq(now),
                    devices::updated_at.eq(now),
                )
            })
            .collect();
        if !phones.is_empty() {
            let insert = diesel::insert_into(devices::table).values(phones);
            match conn {
                DbConnection::Sqlite(c) => insert.execute(c)?,
                DbConnection::Postgres(c) => insert.execute(c)?,
            };
        }
    }
    Ok(people.into_iter().map(|(_, m)| m).collect())
}

/// Signs in over HTTP.
pub async fn login(client: &Client, origin: &str, phone: &str, password: &str) -> String {
    let resp = client
        .post(format!("{origin}/api/v1/auth/login"))
        .json(&json!({"phone": phone, "password": password}))
        .send()
        .await
        .expect("login");
    json_ok::<TokenPair>(resp).await.access_token
}

/// A published activity of `capacity`, starting tomorrow.
pub async fn published_activity(
    client: &Client,
    origin: &str,
    office: &str,
    capacity: i32,
) -> ActivityId {
    let starts = chrono::Utc::now() + chrono::Duration::hours(24);
    let resp = client
        .post(format!("{origin}/api/v1/activities"))
        .bearer_auth(office)
        .json(&json!({
            "kind": "training",
            "title": "故障演练培训",
            "capacity": capacity,
            "starts_at": starts.to_rfc3339(),
            "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
        }))
        .send()
        .await
        .expect("create activity");
    let draft: Activity = json_ok(resp).await;
    let resp = client
        .post(format!("{origin}/api/v1/activities/{}/publish", draft.id))
        .bearer_auth(office)
        .send()
        .await
        .expect("publish");
    json_ok::<Activity>(resp).await.id
}

/// What one sign-up request came to.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 2xx: what the server promised.
    Accepted(SignupResult),
    /// An error answer: status and body.
    Refused(u16, String),
    /// No answer (the connection died).
    Lost(String),
}

/// `POST /activities/{id}/signups` as `member`, with an idempotency key
/// derived from the member (a retry replays the first answer).
pub async fn sign_up(
    client: &Client,
    origin: &str,
    activity: &ActivityId,
    member: &Member,
) -> Answer {
    let sent = client
        .post(format!("{origin}/api/v1/activities/{activity}/signups"))
        .bearer_auth(&member.token)
        .header("Idempotency-Key", format!("faults-{}", member.id))
        .json(&json!({}))
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => return Answer::Lost(e.to_string()),
    };
    let status = resp.status();
    match resp.text().await {
        Ok(text) if status.is_success() => match serde_json::from_str(&text) {
            Ok(r) => Answer::Accepted(r),
            Err(e) => panic!("a 2xx sign-up answer that does not decode ({e}): {text}"),
        },
        Ok(text) => Answer::Refused(status.as_u16(), text),
        Err(e) => Answer::Lost(e.to_string()),
    }
}

/// The roster as the office reads it.
pub async fn roster(client: &Client, origin: &str, office: &str, activity: &ActivityId) -> Roster {
    let resp = client
        .get(format!("{origin}/api/v1/activities/{activity}/signups"))
        .bearer_auth(office)
        .send()
        .await
        .expect("roster");
    json_ok(resp).await
}

/// Checks what must hold of any stored roster: no member twice, at most
/// `capacity` registered (exactly `capacity` once anyone waits), waitlist
/// positions 1..n each once. Returns member → (status, position).
pub fn check_roster(
    roster: &Roster,
    capacity: usize,
) -> BTreeMap<MemberId, (SignupStatus, Option<i32>)> {
    let mut by_member = BTreeMap::new();
    for e in &roster.items {
        let earlier = by_member.insert(e.member_id, (e.status, e.position));
        assert!(
            earlier.is_none(),
            "member {} is on the roster twice",
            e.member_id
        );
    }
    let registered = by_member
        .values()
        .filter(|(s, _)| *s == SignupStatus::Registered)
        .count();
    let mut positions: Vec<i32> = by_member
        .values()
        .filter(|(s, _)| *s == SignupStatus::Waitlisted)
        .map(|(_, p)| p.expect("a waitlisted entry has a position"))
        .collect();
    positions.sort_unstable();
    assert!(
        registered <= capacity,
        "{registered} registered for {capacity} places"
    );
    if !positions.is_empty() {
        assert_eq!(registered, capacity, "someone waits while a place is free");
    }
    let expected: Vec<i32> = (1..=positions.len() as i32).collect();
    assert_eq!(
        positions, expected,
        "waitlist positions are 1..n, each once"
    );
    by_member
}

/// Every accepted answer is on the roster as answered.
pub fn check_accepted_are_stored(
    answers: &[(MemberId, Answer)],
    stored: &BTreeMap<MemberId, (SignupStatus, Option<i32>)>,
) -> usize {
    let mut accepted = 0;
    for (member, answer) in answers {
        if let Answer::Accepted(r) = answer {
            accepted += 1;
            assert_eq!(
                stored.get(member),
                Some(&(r.status, r.position)),
                "member {member} was answered {:?} {:?}",
                r.status,
                r.position
            );
        }
    }
    accepted
}

/// Members in `answers` with no 2xx.
pub fn unanswered(answers: &[(MemberId, Answer)]) -> BTreeSet<MemberId> {
    answers
        .iter()
        .filter(|(_, a)| !matches!(a, Answer::Accepted(_)))
        .map(|(m, _)| *m)
        .collect()
}

/// Asserts a refusal is the database-unavailable answer: 503, code
/// `service_unavailable`, a `Retry-After`-style message.
pub fn assert_unavailable(status: u16, body: &str) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE.as_u16(), "{body}");
    let body: serde_json::Value = serde_json::from_str(body).expect("an error body is JSON");
    assert_eq!(body["code"], "service_unavailable", "{body}");
}
