//! The FCM HTTP v1 client against the fake FCM server, over real HTTP.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lvzhi_server::config::PushConfig;
use lvzhi_server::push::fcm::{FcmClient, Push, SendOutcome};
use lvzhi_tests::fake_fcm::{Attempt, FakeFcm, Rule, TEST_PRIVATE_KEY};
use tempfile::TempDir;

struct Setup {
    fake: FakeFcm,
    client: Arc<FcmClient>,
    dir: TempDir,
}

fn config_for(fake: &FakeFcm, dir: &TempDir) -> PushConfig {
    let credentials = fake.write_service_account(dir.path());
    PushConfig {
        credentials_file: Some(credentials.to_string_lossy().into_owned()),
        fcm_base_url: format!("{}/", fake.base_url()),
        request_timeout_seconds: 5,
        ..PushConfig::default()
    }
}

async fn setup() -> Setup {
    let fake = FakeFcm::start().await;
    let dir = TempDir::new().expect("tempdir");
    let client = FcmClient::new(&config_for(&fake, &dir)).expect("client");
    Setup {
        fake,
        client: Arc::new(client),
        dir,
    }
}

fn push(token: &str) -> Push {
    Push {
        token: token.into(),
        title: "活动提醒".into(),
        body: "明天上午九点在政协会议室学习培训".into(),
        data: vec![
            ("event", "reminder".into()),
            ("activity_id", "act-1".into()),
        ],
        urgent: false,
    }
}

fn statuses(attempts: &[Attempt]) -> Vec<u16> {
    attempts.iter().map(|a| a.status).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_content_and_priority() {
    let s = setup().await;
    assert_eq!(s.client.project_id(), "lvzhi-test");
    let urgent = Push {
        urgent: true,
        ..push("device-urgent")
    };
    assert_eq!(s.client.send(&urgent).await, SendOutcome::Delivered);
    assert_eq!(
        s.client.send(&push("device-calm")).await,
        SendOutcome::Delivered
    );

    let got = s.fake.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].token, "device-urgent");
    assert_eq!(got[0].title, "活动提醒");
    assert_eq!(got[0].body, "明天上午九点在政协会议室学习培训");
    assert_eq!(
        got[0].data.iter().collect::<Vec<_>>(),
        vec![
            (&"activity_id".to_owned(), &"act-1".to_owned()),
            (&"event".to_owned(), &"reminder".to_owned()),
        ]
    );
    assert_eq!(got[0].android_priority, "HIGH");
    assert_eq!(got[0].apns_priority.as_deref(), Some("10"));
    assert_eq!(got[1].token, "device-calm");
    assert_eq!(got[1].android_priority, "NORMAL");
    assert_eq!(got[1].apns_priority.as_deref(), Some("5"));
    assert_eq!(s.fake.token_requests(), 1, "the token is cached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_sends_share_one_token_request() {
    let s = setup().await;
    let sends = (0..50).map(|i| {
        let client = s.client.clone();
        tokio::spawn(async move { client.send(&push(&format!("device-{i}"))).await })
    });
    for outcome in futures::future::join_all(sends).await {
        assert_eq!(outcome.expect("send task"), SendOutcome::Delivered);
    }
    assert_eq!(s.fake.token_requests(), 1);
    let mut tokens: Vec<String> = s.fake.received().into_iter().map(|r| r.token).collect();
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_is_refreshed_before_it_expires() {
    let s = setup().await;
    // Refresh is due a tenth of the lifetime (0.5 s) before expiry.
    s.fake.set_token_lifetime(5);
    let t0 = Instant::now();
    assert_eq!(
        s.client.send(&push("device-1")).await,
        SendOutcome::Delivered
    );
    let first = t0.elapsed();
    assert_eq!(s.fake.token_requests(), 1);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        s.client.send(&push("device-1")).await,
        SendOutcome::Delivered
    );
    assert_eq!(s.fake.token_requests(), 1, "not due yet");

    // Past the client's refresh point, but (if the first send was quick) before the fake's expiry.
    tokio::time::sleep_until((t0 + first + Duration::from_millis(4550)).into()).await;
    assert_eq!(
        s.client.send(&push("device-1")).await,
        SendOutcome::Delivered
    );
    assert_eq!(s.fake.token_requests(), 2, "refreshed");
    if first < Duration::from_millis(400) {
        assert_eq!(
            statuses(&s.fake.attempts()),
            vec![200, 200, 200],
            "refreshed ahead of expiry, without a 401"
        );
    } else {
        eprintln!("first send took {first:?}: cannot tell a refresh ahead from one after a 401");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_refreshes_once_and_resends() {
    let s = setup().await;
    assert_eq!(
        s.client.send(&push("device-1")).await,
        SendOutcome::Delivered
    );
    s.fake.expire_access_tokens();
    assert_eq!(
        s.client.send(&push("device-2")).await,
        SendOutcome::Delivered
    );
    assert_eq!(s.fake.token_requests(), 2);
    assert_eq!(statuses(&s.fake.attempts()), vec![200, 401, 200]);
    assert_eq!(s.fake.received().len(), 2);

    // Many sends hitting 401 at once still refresh only once.
    s.fake.expire_access_tokens();
    let sends = (0..20).map(|i| {
        let client = s.client.clone();
        tokio::spawn(async move { client.send(&push(&format!("device-c{i}"))).await })
    });
    for outcome in futures::future::join_all(sends).await {
        assert_eq!(outcome.expect("send task"), SendOutcome::Delivered);
    }
    assert_eq!(s.fake.token_requests(), 3);
    assert_eq!(s.fake.received().len(), 22);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_unauthenticated_is_retried_later() {
    let s = setup().await;
    // Every token the fake issues is dead on arrival.
    s.fake.set_token_lifetime(0);
    assert_eq!(
        s.client.send(&push("device-1")).await,
        SendOutcome::Retry {
            after: None,
            reason: "UNAUTHENTICATED".into()
        }
    );
    assert_eq!(s.fake.token_requests(), 2, "one refresh, no more");
    assert_eq!(statuses(&s.fake.attempts()), vec![401, 401]);
    assert!(s.fake.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_tokens_are_reported() {
    let s = setup().await;
    s.fake.set_rule("gone", Rule::Unregistered);
    s.fake.set_rule("garbage", Rule::InvalidArgument);
    assert_eq!(
        s.client.send(&push("gone")).await,
        SendOutcome::TokenInvalid {
            reason: "UNREGISTERED".into()
        }
    );
    assert_eq!(
        s.client.send(&push("garbage")).await,
        SendOutcome::TokenInvalid {
            reason: "INVALID_ARGUMENT".into()
        }
    );
    assert!(s.fake.received().is_empty());
    assert_eq!(statuses(&s.fake.attempts()), vec![404, 400]);
}

/// FCM does not always add its FcmError detail: a bare 404 NOT_FOUND is an
/// unregistered token to the Firebase Admin SDKs, and to us.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_not_found_is_a_dead_token() {
    let s = setup().await;
    s.fake.set_rule("gone-quietly", Rule::NotFound);
    assert_eq!(
        s.client.send(&push("gone-quietly")).await,
        SendOutcome::TokenInvalid {
            reason: "NOT_FOUND".into()
        }
    );
    assert!(s.fake.received().is_empty());
    assert_eq!(statuses(&s.fake.attempts()), vec![404]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_outages_are_retried() {
    let s = setup().await;
    s.fake.set_rule(
        "busy",
        Rule::RateLimited {
            times: 1,
            retry_after_secs: 7,
        },
    );
    assert_eq!(
        s.client.send(&push("busy")).await,
        SendOutcome::Retry {
            after: Some(Duration::from_secs(7)),
            reason: "QUOTA_EXCEEDED".into()
        }
    );
    assert_eq!(s.client.send(&push("busy")).await, SendOutcome::Delivered);

    s.fake.set_rule("down", Rule::Unavailable { times: 2 });
    for _ in 0..2 {
        assert_eq!(
            s.client.send(&push("down")).await,
            SendOutcome::Retry {
                after: None,
                reason: "UNAVAILABLE".into()
            }
        );
    }
    assert_eq!(s.client.send(&push("down")).await, SendOutcome::Delivered);
    assert_eq!(statuses(&s.fake.attempts()), vec![429, 200, 503, 503, 200]);
}

/// A port nothing listens on.
fn dead_origin() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_servers_are_retried() {
    let fake = FakeFcm::start().await;
    let dir = TempDir::new().expect("tempdir");

    let mut config = config_for(&fake, &dir);
    config.fcm_base_url = dead_origin();
    let client = FcmClient::new(&config).expect("client");
    match client.send(&push("device-1")).await {
        SendOutcome::Retry {
            after: None,
            reason,
        } => assert_eq!(reason, "connect error"),
        other => panic!("FCM not listening: {other:?}"),
    }
    assert_eq!(fake.token_requests(), 1, "the token came from the fake");

    let mut config = config_for(&fake, &dir);
    config.token_uri = Some(format!("{}/token", dead_origin()));
    let client = FcmClient::new(&config).expect("client");
    match client.send(&push("device-1")).await {
        SendOutcome::Retry {
            after: None,
            reason,
        } => {
            assert_eq!(reason, "oauth: connect error")
        }
        other => panic!("token endpoint not listening: {other:?}"),
    }
    assert!(fake.attempts().is_empty(), "nothing sent without a token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_assertions_are_retried_with_the_reason() {
    let fake = FakeFcm::start().await;
    let dir = TempDir::new().expect("tempdir");

    // The audience must be the token URI the fake is reached at.
    let mut config = config_for(&fake, &dir);
    config.token_uri = Some(format!("{}?aud=other", fake.token_uri()));
    let client = FcmClient::new(&config).expect("client");
    assert_eq!(
        client.token_uri(),
        format!("{}?aud=other", fake.token_uri())
    );
    assert_eq!(
        client.send(&push("device-1")).await,
        SendOutcome::Retry {
            after: None,
            reason: "oauth: HTTP 400 invalid_grant".into()
        }
    );

    // The issuer must be the service account the key belongs to.
    let path = fake.write_service_account(dir.path());
    let mut account: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    account["client_email"] = "someone-else@lvzhi-test.iam.gserviceaccount.com".into();
    std::fs::write(&path, account.to_string()).expect("write");
    let client = FcmClient::new(&config_for_file(&fake, &path)).expect("client");
    assert_eq!(
        client.send(&push("device-1")).await,
        SendOutcome::Retry {
            after: None,
            reason: "oauth: HTTP 400 invalid_grant".into()
        }
    );
    assert_eq!(fake.token_requests(), 2);
    assert!(fake.attempts().is_empty());
}

fn config_for_file(fake: &FakeFcm, path: &std::path::Path) -> PushConfig {
    PushConfig {
        credentials_file: Some(path.to_string_lossy().into_owned()),
        fcm_base_url: fake.base_url(),
        ..PushConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_sends_wait_for_release() {
    let s = setup().await;
    s.fake.hold();
    let client = s.client.clone();
    let pending = tokio::spawn(async move { client.send(&push("device-1")).await });
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.fake.held_requests() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(s.fake.held_requests(), 1);
    assert!(s.fake.attempts().is_empty() && !pending.is_finished());
    s.fake.release();
    assert_eq!(pending.await.expect("send task"), SendOutcome::Delivered);
    let got = s.fake.wait_for_received(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(s.fake.held_requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_fail_without_showing_the_key() {
    let s = setup().await;
    let key_lines: Vec<&str> = TEST_PRIVATE_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let shows_key = |text: &str| key_lines.iter().any(|line| text.contains(line));
    assert!(
        !shows_key(&format!("{:?}", s.client)),
        "Debug hides the key"
    );

    let missing = s.dir.path().join("nowhere.json");
    let error = FcmClient::new(&config_for_file(&s.fake, &missing))
        .expect_err("missing file")
        .to_string();
    assert!(error.contains("nowhere.json"), "{error}");

    let error = FcmClient::new(&PushConfig::default())
        .expect_err("no file configured")
        .to_string();
    assert!(error.contains("credentials_file"), "{error}");

    let good: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(s.fake.write_service_account(s.dir.path())).expect("read"),
    )
    .expect("json");
    let path = s.dir.path().join("broken.json");
    let mut cases = vec![
        // Not JSON at all, with the key inside.
        (
            format!("{{\"private_key\": \"{}", key_lines.join("")),
            "not valid JSON",
        ),
    ];
    let mut truncated = good.clone();
    truncated["private_key"] = TEST_PRIVATE_KEY
        .lines()
        .filter(|l| !l.contains(&key_lines[10][..20]))
        .collect::<Vec<_>>()
        .join("\n")
        .into();
    cases.push((truncated.to_string(), "private_key"));
    let mut no_email = good.clone();
    no_email
        .as_object_mut()
        .expect("object")
        .remove("client_email");
    cases.push((no_email.to_string(), "client_email"));
    let mut wrong_type = good.clone();
    wrong_type["type"] = "authorized_user".into();
    cases.push((wrong_type.to_string(), "type"));

    for (text, expected) in cases {
        std::fs::write(&path, &text).expect("write");
        let error = FcmClient::new(&config_for_file(&s.fake, &path))
            .expect_err("broken credentials")
            .to_string();
        assert!(error.contains(expected), "{expected}: {error}");
        assert!(error.contains("broken.json"), "{error}");
        assert!(!shows_key(&error), "the error shows the key: {error}");
    }
}
