//! Two server processes on one PostgreSQL database under the sign-up race.

use lvzhi_tests::Backend;
use lvzhi_tests::child::ChildServer;

use crate::support::{self, Answer};

/// 400 members race for 50 places, alternating between two processes (each
/// with its own pool and sign-up queue): exactly 50 registered, waitlist
/// places 1..350 each once, every answer stored as given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_register_exactly_the_capacity() {
    const MEMBERS: usize = 400;
    const CAPACITY: usize = 50;
    if !Backend::Postgres.available() {
        return;
    }
    let store = crate::store(Backend::Postgres).await;
    let url = store.database_url().expect("database url");
    let first = ChildServer::start(&url, &[]).await.expect("first server");
    let second = ChildServer::start(&url, &[]).await.expect("second server");
    assert!(
        second.admin.is_none(),
        "the second process finds the committee made"
    );
    let admin = first.admin.clone().expect("first start");
    let http = support::client();
    let office = support::login(&http, &first.origin, &admin.phone, &admin.password).await;
    let activity =
        support::published_activity(&http, &first.origin, &office, CAPACITY as i32).await;
    let members = support::seed_members(&url, "139040", MEMBERS, false).await;

    let race = members.iter().enumerate().map(|(i, m)| {
        let origin = if i % 2 == 0 {
            &first.origin
        } else {
            &second.origin
        };
        let (http, activity) = (&http, &activity);
        async move { (m.id, support::sign_up(http, origin, activity, m).await) }
    });
    let answers = futures::future::join_all(race).await;
    let mut positions = Vec::new();
    let mut registered = 0;
    for (_, a) in &answers {
        match a {
            Answer::Accepted(r) => match r.position {
                None => registered += 1,
                Some(p) => positions.push(p),
            },
            other => panic!("every sign-up of the race is answered 2xx: {other:?}"),
        }
    }
    positions.sort_unstable();
    assert_eq!(registered, CAPACITY);
    assert_eq!(
        positions,
        (1..=(MEMBERS - CAPACITY) as i32).collect::<Vec<_>>()
    );
    let stored = support::check_roster(
        &support::roster(&http, &second.origin, &office, &activity).await,
        CAPACITY,
    );
    assert_eq!(
        support::check_accepted_are_stored(&answers, &stored),
        MEMBERS
    );
    assert_eq!(stored.len(), MEMBERS);
}
