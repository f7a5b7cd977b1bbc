//! Meetings: bodies and their dated membership, the notice, answers and
//! leave with approval, check-in per session, attendance and the live quorum,
//! rescheduling — through the HTTP API on both backends.

use chrono::{DateTime, Duration, FixedOffset};
use futures::future::join_all;
use lvzhi_shared::activities::CheckinCode;
use lvzhi_shared::ids::{BodyId, MeetingId, MeetingSessionId, MemberId};
use lvzhi_shared::meetings::{
    Body, BodyMember, LeaveRequest, LeaveRequestList, LeaveStatus, Meeting, MeetingAnswer,
    MeetingAttendance, MeetingList, MeetingStatus, MyMeeting, Quorum, SessionAttendance,
    SessionCheckin,
};
use lvzhi_shared::members::Role;
use lvzhi_shared::notifications::{NotificationKind, NotificationPage};
use lvzhi_tests::{Backend, QuickMember, TestApp, expect_error, json_ok, on_both_backends};
use reqwest::{Method, Response};
use serde_json::{Value, json};

on_both_backends!(
    a_whole_plenary_with_leave_checkins_and_quorum,
    rescheduling_voids_leave_and_asks_again,
    bodies_summon_their_members_of_the_meeting_date,
    answers_and_leave_refuse_bad_input,
    reminders_reach_the_summoned_not_the_excused
);

/// A time `days` from the app's now, at `hour`:00 in Beijing.
fn at(app: &TestApp, days: i64, hour: u32) -> DateTime<FixedOffset> {
    let beijing = FixedOffset::east_opt(8 * 3600).expect("offset");
    let day = (app.clock.now_utc().with_timezone(&beijing) + Duration::days(days)).date_naive();
    day.and_hms_opt(hour, 0, 0)
        .expect("time")
        .and_local_timezone(beijing)
        .single()
        .expect("unambiguous")
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut req = app.api(method, path).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.expect("request")
}

async fn ok<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> T {
    json_ok(send(app, token, method, path, body).await).await
}

/// A body of `kind` whose members are `ids`, joined a month ago.
async fn body_of(app: &TestApp, office: &str, kind: &str, ids: &[MemberId]) -> Body {
    let body: Body = ok(
        app,
        office,
        Method::POST,
        "/bodies",
        Some(json!({"name": "第七届委员会", "kind": kind, "term": "第七届"})),
    )
    .await;
    let joined = at(app, -30, 9).date_naive().to_string();
    for chunk in ids.chunks(16) {
        join_all(chunk.iter().map(|id| {
            let (path, joined) = (format!("/bodies/{}/members", body.id), joined.clone());
            async move {
                send(
                    app,
                    office,
                    Method::POST,
                    &path,
                    Some(json!({"member_id": id, "joined_on": joined})),
                )
                .await
            }
        }))
        .await
        .into_iter()
        .for_each(|r| assert_eq!(r.status(), 201));
    }
    body
}

/// A meeting of `sessions` half-days starting `in_days` days from now at 09:00, as a draft.
async fn meeting(
    app: &TestApp,
    office: &str,
    body: BodyId,
    kind: &str,
    sessions: i64,
    in_days: i64,
) -> Meeting {
    let sessions: Vec<Value> = (0..sessions)
        .map(|i| {
            json!({
                "title": format!("第{}次全体会议", i + 1),
                "starts_at": at(app, in_days + i, 9).to_rfc3339(),
                "ends_at": at(app, in_days + i, 12).to_rfc3339(),
                "place": "县政协会议中心",
            })
        })
        .collect();
    let resp = send(
        app,
        office,
        Method::POST,
        "/meetings",
        Some(json!({
            "kind": kind, "body_id": body, "title": "政协第七届第三次全体会议",
            "agenda": "听取常委会工作报告\n审议提案工作报告", "sessions": sessions,
        })),
    )
    .await;
    assert_eq!(resp.status(), 201);
    resp.json().await.expect("meeting")
}

async fn publish(app: &TestApp, office: &str, id: MeetingId) -> Meeting {
    ok(
        app,
        office,
        Method::POST,
        &format!("/meetings/{id}/publish"),
        None,
    )
    .await
}

async fn ask_leave(
    app: &TestApp,
    token: &str,
    id: MeetingId,
    sessions: &[MeetingSessionId],
    key: Option<&str>,
) -> Response {
    let mut req = app
        .api(Method::POST, &format!("/meetings/{id}/responses"))
        .bearer_auth(token)
        .json(&json!({"answer": "leave", "sessions": sessions, "reason": "外出参加培训"}));
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    req.send().await.expect("leave")
}

async fn quorum(app: &TestApp, office: &str, id: MeetingId) -> Quorum {
    ok(
        app,
        office,
        Method::GET,
        &format!("/meetings/{id}/quorum"),
        None,
    )
    .await
}

async fn code(app: &TestApp, office: &str, id: MeetingId, sid: MeetingSessionId) -> CheckinCode {
    ok(
        app,
        office,
        Method::GET,
        &format!("/meetings/{id}/sessions/{sid}/checkin-code"),
        None,
    )
    .await
}

async fn check_in(
    app: &TestApp,
    token: &str,
    id: MeetingId,
    sid: MeetingSessionId,
    code: &str,
) -> Response {
    send(
        app,
        token,
        Method::POST,
        &format!("/meetings/{id}/sessions/{sid}/checkins"),
        Some(json!({"code": code})),
    )
    .await
}

/// Checks in `who` at once (32 at a time), all expected to succeed.
async fn check_in_all(
    app: &TestApp,
    who: &[&QuickMember],
    id: MeetingId,
    sid: MeetingSessionId,
    code: &str,
) -> Vec<SessionCheckin> {
    let mut out = Vec::new();
    for chunk in who.chunks(32) {
        for r in join_all(chunk.iter().map(|m| check_in(app, &m.token, id, sid, code))).await {
            out.push(json_ok::<SessionCheckin>(r).await);
        }
    }
    out
}

async fn a_whole_plenary_with_leave_checkins_and_quorum(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let chair = app.account(Role::Organizer, "13700000001").await;
    let mut members = app.quick_members("13900131", 300).await;
    let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
    let body = body_of(&app, &office, "plenary", &ids).await;
    assert_eq!(body.members_now, 0, "the body was empty when created");
    // The chair's office approves leave for plenary sessions.
    let rule: Value = ok(
        &app,
        &office,
        Method::PUT,
        "/meeting-rules/plenary",
        Some(json!({"approvers": [chair.user.id], "quorum_numerator": 1, "quorum_denominator": 2})),
    )
    .await;
    assert_eq!(rule["approvers"], json!([chair.user.id]));

    let draft = meeting(&app, &office, body.id, "plenary", 3, 3).await;
    assert_eq!(draft.status, MeetingStatus::Draft);
    assert_eq!(draft.summoned, 0);
    let published = publish(&app, &office, draft.id).await;
    assert_eq!(published.summoned, 300);
    let (id, s) = (
        published.id,
        published.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
    );
    // The default deadline: two days before the first session.
    assert_eq!(
        published.leave_deadline,
        published.sessions[0].starts_at - Duration::days(2)
    );

    // Each member sees the meeting, unanswered, and got its notice.
    let mine: MeetingList = ok(&app, &members[7].token, Method::GET, "/meetings", None).await;
    assert_eq!(mine.items.len(), 1);
    let me = mine.items[0].me.as_ref().expect("summoned");
    assert_eq!((me.answer, me.voting), (MeetingAnswer::Pending, true));
    let inbox: NotificationPage = ok(
        &app,
        &members[7].token,
        Method::GET,
        "/me/notifications",
        None,
    )
    .await;
    assert_eq!(inbox.items[0].kind, NotificationKind::MeetingNotice);
    assert!(inbox.items[0].title.contains("政协第七届第三次全体会议"));
    // Someone not in the body sees nothing of it.
    let outsider = app.quick_members("13900132", 1).await.remove(0);
    let theirs: MeetingList = ok(&app, &outsider.token, Method::GET, "/meetings", None).await;
    assert!(theirs.items.is_empty());
    expect_error(
        send(
            &app,
            &outsider.token,
            Method::GET,
            &format!("/meetings/{id}"),
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // 40 ask for leave: 20 for the whole meeting, 20 for the second session.
    for (i, m) in members[..40].iter().enumerate() {
        let sessions = if i < 20 { vec![] } else { vec![s[1]] };
        let key = format!("leave-{i}");
        let first: MyMeeting =
            json_ok(ask_leave(&app, &m.token, id, &sessions, Some(&key)).await).await;
        assert_eq!(first.answer, MeetingAnswer::Leave);
        // The phone retries on a weak signal: the same answer, one request.
        let again: MyMeeting =
            json_ok(ask_leave(&app, &m.token, id, &sessions, Some(&key)).await).await;
        assert_eq!(
            again.leave.as_ref().map(|l| l.id),
            first.leave.as_ref().map(|l| l.id)
        );
    }
    let all: LeaveRequestList = ok(
        &app,
        &office,
        Method::GET,
        &format!("/meetings/{id}/leave-requests"),
        None,
    )
    .await;
    assert_eq!(all.items.len(), 40, "retries stored nothing twice");
    let by_member = |i: usize| {
        all.items
            .iter()
            .find(|r| r.member_id == members[i].id)
            .expect("request")
    };
    assert_eq!(
        by_member(0).sessions.len(),
        3,
        "the whole meeting is every session"
    );
    assert_eq!(by_member(25).sessions, vec![s[1]]);

    // The approver's queue; the office is not the approver for plenaries.
    let queue: LeaveRequestList = ok(
        &app,
        &chair.access_token,
        Method::GET,
        "/leave-requests?status=pending",
        None,
    )
    .await;
    assert_eq!(queue.items.len(), 40);
    expect_error(
        send(
            &app,
            &office,
            Method::POST,
            &format!("/leave-requests/{}", queue.items[0].id),
            Some(json!({"decision": "approve"})),
        )
        .await,
        403,
        "not_approver",
    )
    .await;
    // Refusing needs a reason.
    let refuse_bare = send(
        &app,
        &chair.access_token,
        Method::POST,
        &format!("/leave-requests/{}", queue.items[39].id),
        Some(json!({"decision": "refuse"})),
    )
    .await;
    assert_eq!(
        expect_error(refuse_bare, 422, "field_required")
            .await
            .field
            .as_deref(),
        Some("note")
    );
    // Approve the 20 whole-meeting and 10 session-two requests; refuse the other 10.
    let index = |r: &LeaveRequest| {
        members
            .iter()
            .position(|m| m.id == r.member_id)
            .expect("member")
    };
    for r in &queue.items {
        let decision = if index(r) < 30 {
            json!({"decision": "approve"})
        } else {
            json!({"decision": "refuse", "note": "本次会议审议人事事项，请务必出席"})
        };
        let done: LeaveRequest = ok(
            &app,
            &chair.access_token,
            Method::POST,
            &format!("/leave-requests/{}", r.id),
            Some(decision),
        )
        .await;
        assert_eq!(done.decided_by.as_deref(), Some(chair.user.name.as_str()));
    }
    // Deciding twice is refused.
    expect_error(
        send(
            &app,
            &chair.access_token,
            Method::POST,
            &format!("/leave-requests/{}", queue.items[0].id),
            Some(json!({"decision": "refuse", "note": "x"})),
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;
    // A refused member is told and asked again.
    let refused = &members[35];
    let inbox: NotificationPage =
        ok(&app, &refused.token, Method::GET, "/me/notifications", None).await;
    assert_eq!(inbox.items[0].kind, NotificationKind::LeaveDecided);
    assert!(
        inbox.items[0].body.contains("请务必出席"),
        "{}",
        inbox.items[0].body
    );
    let theirs: Meeting = ok(
        &app,
        &refused.token,
        Method::GET,
        &format!("/meetings/{id}"),
        None,
    )
    .await;
    let me = theirs.me.expect("summoned");
    assert_eq!(me.answer, MeetingAnswer::Pending);
    assert_eq!(me.leave.map(|l| l.status), Some(LeaveStatus::Refused));

    // The quorum before the meeting.
    let q = quorum(&app, &office, id).await;
    assert_eq!(q.leave_pending, 0);
    let counts = |q: &Quorum, i: usize| {
        let s = &q.sessions[i];
        (
            s.summoned, s.on_leave, s.present, s.absent, s.required, s.quorate,
        )
    };
    assert_eq!(counts(&q, 0), (300, 20, 0, 280, 151, false));
    assert_eq!(counts(&q, 1), (300, 30, 0, 270, 151, false));

    // Session one: 200 check in, among them one member on approved leave.
    app.clock
        .set((published.sessions[0].starts_at - Duration::minutes(30)).to_utc());
    app.renew(&mut members).await;
    let office = app.admin().await.access_token;
    let mut outsider = outsider;
    app.renew(std::slice::from_mut(&mut outsider)).await;
    let shown = code(&app, &office, id, s[0]).await;
    let first_200: Vec<&QuickMember> = members[19..219].iter().collect();
    let done = check_in_all(&app, &first_200, id, s[0], &shown.code).await;
    assert!(
        done.iter()
            .all(|c| c.attendance == SessionAttendance::Present)
    );
    expect_error(
        check_in(&app, &members[19].token, id, s[0], &shown.code).await,
        409,
        "already_checked_in",
    )
    .await;
    expect_error(
        check_in(&app, &outsider.token, id, s[0], &shown.code).await,
        403,
        "not_summoned",
    )
    .await;
    // Session two's code is not session one's.
    let other = code(&app, &office, id, s[1]).await;
    expect_error(
        check_in(&app, &members[250].token, id, s[0], &other.code).await,
        422,
        "checkin_code_foreign",
    )
    .await;
    let q = quorum(&app, &office, id).await;
    assert_eq!(
        counts(&q, 0),
        (300, 19, 200, 81, 151, true),
        "a member on leave who comes counts present"
    );

    // Session two (next morning): 140 check in, 20 of them late: no quorum.
    app.clock.advance(Duration::days(1));
    app.renew(&mut members).await;
    let office = app.admin().await.access_token;
    let shown = code(&app, &office, id, s[1]).await;
    let on_time: Vec<&QuickMember> = members[100..220].iter().collect();
    check_in_all(&app, &on_time, id, s[1], &shown.code).await;
    app.clock.advance(Duration::minutes(40));
    let shown = code(&app, &office, id, s[1]).await;
    let late: Vec<&QuickMember> = members[220..240].iter().collect();
    let done = check_in_all(&app, &late, id, s[1], &shown.code).await;
    assert!(done.iter().all(|c| c.attendance == SessionAttendance::Late));
    let q = quorum(&app, &office, id).await;
    assert_eq!(counts(&q, 1), (300, 30, 140, 130, 151, false));

    // After the first session: its attendance per member.
    let grid: MeetingAttendance = ok(
        &app,
        &office,
        Method::GET,
        &format!("/meetings/{id}/attendance"),
        None,
    )
    .await;
    assert_eq!(grid.items.len(), 300);
    let line = |m: &QuickMember| {
        grid.items
            .iter()
            .find(|l| l.member_id == m.id)
            .expect("line")
            .sessions
            .clone()
    };
    use SessionAttendance::*;
    assert_eq!(line(&members[0])[..2], [Excused, Excused]);
    assert_eq!(line(&members[19])[..2], [Present, Excused]);
    assert_eq!(line(&members[200])[..2], [Present, Present]);
    assert_eq!(line(&members[230])[..2], [Absent, Late]);
    assert_eq!(line(&members[299])[..3], [Absent, Expected, Expected]);
    assert_eq!(line(&members[299]).len(), 3);
    // The duty record: the first session has ended.
    for (who, want) in [(0, (1, 0, 1, 0)), (19, (1, 1, 0, 0)), (299, (1, 0, 0, 1))] {
        let r: lvzhi_shared::activities::DutyRecord =
            ok(&app, &members[who].token, Method::GET, "/me/record", None).await;
        assert_eq!(
            (
                r.meeting_sessions,
                r.meeting_sessions_present,
                r.meeting_sessions_excused,
                r.meeting_sessions_absent
            ),
            want,
            "member {who}"
        );
    }
}

async fn rescheduling_voids_leave_and_asks_again(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let members = app.quick_members("13900133", 6).await;
    let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
    let body = body_of(&app, &office, "standing", &ids).await;
    let m = meeting(&app, &office, body.id, "standing", 2, 5).await;
    let m = publish(&app, &office, m.id).await;
    let id = m.id;
    for who in &members[..3] {
        json_ok::<MyMeeting>(ask_leave(&app, &who.token, id, &[], None).await).await;
    }
    ok::<MyMeeting>(
        &app,
        &members[3].token,
        Method::POST,
        &format!("/meetings/{id}/responses"),
        Some(json!({"answer": "attend"})),
    )
    .await;
    let pending: LeaveRequestList = ok(
        &app,
        &office,
        Method::GET,
        "/leave-requests?status=pending",
        None,
    )
    .await;
    for r in &pending.items[..2] {
        ok::<LeaveRequest>(
            &app,
            &office,
            Method::POST,
            &format!("/leave-requests/{}", r.id),
            Some(json!({"decision": "approve"})),
        )
        .await;
    }

    // Into the past: refused, the field named, nothing changed.
    let past = send(&app, &office, Method::PATCH, &format!("/meetings/{id}"), Some(json!({"sessions": [
        {"id": m.sessions[0].id, "starts_at": at(&app, -1, 9).to_rfc3339(), "ends_at": at(&app, -1, 12).to_rfc3339()}
    ]}))).await;
    let err = expect_error(past, 422, "time_in_past").await;
    assert_eq!(err.field.as_deref(), Some("sessions[0].starts_at"));
    let unchanged: LeaveRequestList = ok(
        &app,
        &office,
        Method::GET,
        &format!("/meetings/{id}/leave-requests"),
        None,
    )
    .await;
    assert_eq!(
        unchanged
            .items
            .iter()
            .filter(|r| r.status == LeaveStatus::Approved)
            .count(),
        2
    );

    // A week later, same hours.
    let moved: Meeting = ok(&app, &office, Method::PATCH, &format!("/meetings/{id}"), Some(json!({"sessions": [
        {"id": m.sessions[0].id, "starts_at": at(&app, 12, 9).to_rfc3339(), "ends_at": at(&app, 12, 12).to_rfc3339()},
        {"id": m.sessions[1].id, "starts_at": at(&app, 13, 9).to_rfc3339(), "ends_at": at(&app, 13, 12).to_rfc3339(), "place": "县委党校报告厅"},
    ]}))).await;
    assert_eq!(moved.sessions[1].place, "县委党校报告厅");
    assert_eq!(
        moved.leave_deadline,
        moved.sessions[0].starts_at - Duration::days(2),
        "the default deadline moved along"
    );
    let after: LeaveRequestList = ok(
        &app,
        &office,
        Method::GET,
        &format!("/meetings/{id}/leave-requests"),
        None,
    )
    .await;
    assert_eq!(after.items.len(), 3);
    assert!(after.items.iter().all(|r| r.status == LeaveStatus::Voided));
    for who in &members {
        let seen: Meeting = ok(
            &app,
            &who.token,
            Method::GET,
            &format!("/meetings/{id}"),
            None,
        )
        .await;
        assert_eq!(
            seen.me.expect("summoned").answer,
            MeetingAnswer::Pending,
            "everyone answers again"
        );
        let inbox: NotificationPage =
            ok(&app, &who.token, Method::GET, "/me/notifications", None).await;
        assert!(
            inbox
                .items
                .iter()
                .any(|n| n.kind == NotificationKind::MeetingChanged)
        );
    }
    let approved_one: NotificationPage = ok(
        &app,
        &members[0].token,
        Method::GET,
        "/me/notifications",
        None,
    )
    .await;
    assert!(
        approved_one
            .items
            .iter()
            .any(|n| n.kind == NotificationKind::LeaveDecided && n.body.contains("作废"))
    );
    // They may ask again for the new dates.
    json_ok::<MyMeeting>(ask_leave(&app, &members[0].token, id, &[], None).await).await;

    // Cancelling tells everyone; a cancelled meeting takes no answers.
    let cancelled: Meeting = ok(
        &app,
        &office,
        Method::POST,
        &format!("/meetings/{id}/cancel"),
        Some(json!({"reason": "与县人代会时间冲突"})),
    )
    .await;
    assert_eq!(cancelled.status, MeetingStatus::Cancelled);
    expect_error(
        ask_leave(&app, &members[1].token, id, &[], None).await,
        409,
        "invalid_transition",
    )
    .await;
    expect_error(
        send(
            &app,
            &office,
            Method::POST,
            &format!("/meetings/{id}/cancel"),
            Some(json!({})),
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;
}

async fn bodies_summon_their_members_of_the_meeting_date(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let members = app.quick_members("13900134", 5).await;
    let body = body_of(
        &app,
        &office,
        "standing",
        &[members[0].id, members[1].id, members[2].id],
    )
    .await;
    let path = format!("/bodies/{}/members", body.id);
    // Overlapping dates for one member: refused.
    let twice = send(&app, &office, Method::POST, &path, Some(json!({"member_id": members[0].id, "joined_on": at(&app, -1, 9).date_naive().to_string()}))).await;
    assert_eq!(
        expect_error(twice, 409, "body_membership_overlaps")
            .await
            .field
            .as_deref(),
        Some("joined_on")
    );
    let bad = send(
        &app,
        &office,
        Method::POST,
        &path,
        Some(json!({"member_id": members[3].id, "joined_on": "2026-13-01"})),
    )
    .await;
    assert!(bad.status().is_client_error());
    // Member 1 leaves the body before the meeting; member 2 is non-voting; member 4 is an invitee.
    let left_on = at(&app, 2, 9).date_naive().to_string();
    let ended: BodyMember = ok(
        &app,
        &office,
        Method::PATCH,
        &format!("{path}/{}", members[1].id),
        Some(json!({"left_on": left_on})),
    )
    .await;
    assert_eq!(ended.left_on.map(|d| d.to_string()), Some(left_on.clone()));
    // Member 1 comes back after the meeting: a second stretch that does not overlap.
    let back = at(&app, 30, 9).date_naive().to_string();
    ok::<BodyMember>(
        &app,
        &office,
        Method::POST,
        &path,
        Some(json!({"member_id": members[1].id, "joined_on": back})),
    )
    .await;

    let resp = send(&app, &office, Method::POST, "/meetings", Some(json!({
        "kind": "standing", "body_id": body.id, "title": "常委会议",
        "sessions": [{"title": "全体会议", "starts_at": at(&app, 5, 9).to_rfc3339(), "ends_at": at(&app, 5, 12).to_rfc3339(), "place": "三楼会议室"}],
        "invitees": [members[4].id],
    }))).await;
    let m: Meeting = json_ok(resp).await;
    let m = publish(&app, &office, m.id).await;
    assert_eq!(m.summoned, 3, "members 0 and 2 and the invitee");
    let guest: Meeting = ok(
        &app,
        &members[4].token,
        Method::GET,
        &format!("/meetings/{}", m.id),
        None,
    )
    .await;
    assert!(
        !guest.me.expect("summoned").voting,
        "an invitee attends without a vote"
    );
    let gone: MeetingList = ok(&app, &members[1].token, Method::GET, "/meetings", None).await;
    assert!(gone.items.is_empty(), "not a member on the meeting's date");
    let q = quorum(&app, &office, m.id).await;
    assert_eq!((q.sessions[0].summoned, q.sessions[0].required), (2, 2));

    // Member 3 joins the body after the notice: summoned at once, and told.
    ok::<BodyMember>(&app, &office, Method::POST, &path, Some(json!({"member_id": members[3].id, "joined_on": at(&app, 0, 9).date_naive().to_string()}))).await;
    let now_theirs: MeetingList = ok(&app, &members[3].token, Method::GET, "/meetings", None).await;
    assert_eq!(now_theirs.items.len(), 1);
    let inbox: NotificationPage = ok(
        &app,
        &members[3].token,
        Method::GET,
        "/me/notifications",
        None,
    )
    .await;
    assert_eq!(inbox.items[0].kind, NotificationKind::MeetingNotice);
    // Member 2 leaves before the meeting: no longer summoned.
    ok::<BodyMember>(
        &app,
        &office,
        Method::PATCH,
        &format!("{path}/{}", members[2].id),
        Some(json!({"left_on": at(&app, 1, 9).date_naive().to_string()})),
    )
    .await;
    let q = quorum(&app, &office, m.id).await;
    assert_eq!(q.sessions[0].summoned, 2, "members 0 and 3");
    let listed: Value = ok(&app, &office, Method::GET, &path, None).await;
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(5),
        "every stretch is kept"
    );
}

async fn answers_and_leave_refuse_bad_input(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let chair = app.account(Role::Organizer, "13700000002").await;
    let mut members = app.quick_members("13900135", 4).await;
    let mut ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
    ids.push(chair.user.id);
    let body = body_of(&app, &office, "chairs", &ids).await;
    ok::<Value>(
        &app,
        &office,
        Method::PUT,
        "/meeting-rules/chairs",
        Some(json!({"approvers": [chair.user.id], "quorum_numerator": 2, "quorum_denominator": 3})),
    )
    .await;
    let m = meeting(&app, &office, body.id, "chairs", 2, 4).await;
    // Answers before the notice: refused.
    expect_error(
        ask_leave(&app, &members[0].token, m.id, &[], None).await,
        409,
        "invalid_transition",
    )
    .await;
    let m = publish(&app, &office, m.id).await;
    expect_error(
        send(
            &app,
            &office,
            Method::POST,
            &format!("/meetings/{}/publish", m.id),
            None,
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;
    let id = m.id;
    let (s0, s1) = (m.sessions[0].id, m.sessions[1].id);
    // A reason is required; an unknown session is named.
    let bare = send(
        &app,
        &members[0].token,
        Method::POST,
        &format!("/meetings/{id}/responses"),
        Some(json!({"answer": "leave"})),
    )
    .await;
    assert_eq!(
        expect_error(bare, 422, "field_required")
            .await
            .field
            .as_deref(),
        Some("reason")
    );
    let foreign = ask_leave(
        &app,
        &members[0].token,
        id,
        &[s0, MeetingSessionId::new_v7()],
        None,
    )
    .await;
    assert_eq!(
        expect_error(foreign, 422, "invalid_field")
            .await
            .field
            .as_deref(),
        Some("sessions[1]")
    );
    // Two requests for one session.
    json_ok::<MyMeeting>(ask_leave(&app, &members[0].token, id, &[s0], None).await).await;
    expect_error(
        ask_leave(&app, &members[0].token, id, &[s0, s1], None).await,
        409,
        "leave_already_requested",
    )
    .await;
    json_ok::<MyMeeting>(ask_leave(&app, &members[0].token, id, &[s1], None).await).await;
    // The chair asks for leave and cannot approve it; the office is no approver here.
    json_ok::<MyMeeting>(ask_leave(&app, &chair.access_token, id, &[], None).await).await;
    let queue: LeaveRequestList = ok(
        &app,
        &chair.access_token,
        Method::GET,
        "/leave-requests?status=pending",
        None,
    )
    .await;
    let own = queue
        .items
        .iter()
        .find(|r| r.member_id == chair.user.id)
        .expect("own request");
    expect_error(
        send(
            &app,
            &chair.access_token,
            Method::POST,
            &format!("/leave-requests/{}", own.id),
            Some(json!({"decision": "approve"})),
        )
        .await,
        403,
        "own_leave_request",
    )
    .await;
    // A member is no approver: an empty queue, and no decision.
    let none: LeaveRequestList = ok(
        &app,
        &members[1].token,
        Method::GET,
        "/leave-requests",
        None,
    )
    .await;
    assert!(none.items.is_empty());
    expect_error(
        send(
            &app,
            &members[1].token,
            Method::POST,
            &format!("/leave-requests/{}", own.id),
            Some(json!({"decision": "approve"})),
        )
        .await,
        403,
        "not_approver",
    )
    .await;
    // Attending withdraws one's open requests.
    let attend: MyMeeting = ok(
        &app,
        &members[0].token,
        Method::POST,
        &format!("/meetings/{id}/responses"),
        Some(json!({"answer": "attend"})),
    )
    .await;
    assert_eq!(attend.answer, MeetingAnswer::Attend);
    assert_eq!(attend.leave.map(|l| l.status), Some(LeaveStatus::Voided));

    // After the deadline: the member is refused, the office records it.
    app.clock.advance(Duration::days(3));
    app.renew(&mut members).await;
    let office = app.admin().await.access_token;
    expect_error(
        ask_leave(&app, &members[2].token, id, &[], None).await,
        409,
        "leave_deadline_passed",
    )
    .await;
    let recorded = send(
        &app,
        &office,
        Method::POST,
        &format!("/meetings/{id}/leave-requests"),
        Some(json!({"member_id": members[2].id, "reason": "电话请假：住院"})),
    )
    .await;
    assert_eq!(recorded.status(), 201);
    let recorded: LeaveRequest = recorded.json().await.expect("leave");
    assert_eq!(
        (recorded.status, recorded.recorded_by_office),
        (LeaveStatus::Approved, true)
    );
    let stranger = app.quick_members("13900136", 1).await.remove(0);
    let not_summoned = send(
        &app,
        &office,
        Method::POST,
        &format!("/meetings/{id}/leave-requests"),
        Some(json!({"member_id": stranger.id, "reason": "x"})),
    )
    .await;
    assert_eq!(
        expect_error(not_summoned, 403, "not_summoned")
            .await
            .field
            .as_deref(),
        Some("member_id")
    );
    expect_error(
        ask_leave(&app, &stranger.token, id, &[], None).await,
        403,
        "not_summoned",
    )
    .await;
    // Quorum by the kind's rule: more than two thirds of 5 voting members → 4.
    let q = quorum(&app, &office, id).await;
    assert_eq!(
        (
            q.quorum_numerator,
            q.quorum_denominator,
            q.sessions[0].required
        ),
        (2, 3, 4)
    );
    // Rule input is checked.
    let silly = send(
        &app,
        &office,
        Method::PUT,
        "/meeting-rules/chairs",
        Some(json!({"quorum_numerator": 3, "quorum_denominator": 2})),
    )
    .await;
    assert_eq!(
        expect_error(silly, 422, "invalid_field")
            .await
            .field
            .as_deref(),
        Some("quorum_numerator")
    );
    expect_error(
        send(&app, &office, Method::GET, "/meeting-rules/party", None).await,
        400,
        "invalid_parameter",
    )
    .await;
    expect_error(
        send(
            &app,
            &members[1].token,
            Method::PUT,
            "/meeting-rules/chairs",
            Some(json!({"quorum_numerator": 1, "quorum_denominator": 2})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Sessions in the past or out of order are refused at creation.
    let past = send(&app, &office, Method::POST, "/meetings", Some(json!({
        "kind": "chairs", "body_id": body.id, "title": "x",
        "sessions": [{"title": "a", "starts_at": at(&app, -2, 9).to_rfc3339(), "ends_at": at(&app, -2, 12).to_rfc3339(), "place": "p"}],
    }))).await;
    assert_eq!(
        expect_error(past, 422, "time_in_past")
            .await
            .field
            .as_deref(),
        Some("sessions[0].starts_at")
    );
    let none = send(
        &app,
        &office,
        Method::POST,
        "/meetings",
        Some(json!({"kind": "chairs", "body_id": body.id, "title": "x", "sessions": []})),
    )
    .await;
    assert_eq!(
        expect_error(none, 422, "field_required")
            .await
            .field
            .as_deref(),
        Some("sessions")
    );
    // Members cannot create meetings or bodies.
    expect_error(
        send(
            &app,
            &members[1].token,
            Method::POST,
            "/bodies",
            Some(json!({"name": "x", "kind": "special", "term": "第七届"})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // My leave requests.
    let mine: LeaveRequestList = ok(
        &app,
        &members[0].token,
        Method::GET,
        "/me/leave-requests",
        None,
    )
    .await;
    assert_eq!(mine.items.len(), 2);
}

/// The member's meeting reminders, waited for up to two seconds until there are `want`.
async fn reminders(app: &TestApp, token: &str, want: usize) -> Vec<String> {
    let mut got = Vec::new();
    for _ in 0..40 {
        let inbox: NotificationPage = ok(app, token, Method::GET, "/me/notifications", None).await;
        got = inbox
            .items
            .into_iter()
            .filter(|n| n.kind == NotificationKind::Reminder)
            .map(|n| n.body)
            .collect();
        if got.len() >= want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    got
}

async fn reminders_reach_the_summoned_not_the_excused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let office = app.admin().await.access_token;
    let mut members = app.quick_members("13900137", 2).await;
    let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
    let body = body_of(&app, &office, "standing", &ids).await;
    let m = meeting(&app, &office, body.id, "standing", 1, 3).await;
    let m = publish(&app, &office, m.id).await;
    let recorded = send(
        &app,
        &office,
        Method::POST,
        &format!("/meetings/{}/leave-requests", m.id),
        Some(json!({"member_id": members[0].id, "reason": "出国访问"})),
    )
    .await;
    assert_eq!(recorded.status(), 201);
    let start = m.sessions[0].starts_at.to_utc();

    app.clock.set(start - Duration::hours(25));
    app.renew(&mut members).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        reminders(&app, &members[1].token, 0).await.is_empty(),
        "too early"
    );
    app.clock.set(start - Duration::hours(24));
    let got = reminders(&app, &members[1].token, 1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].starts_with("1天后开会"), "{}", got[0]);
    app.clock.set(start - Duration::hours(2));
    let got = reminders(&app, &members[1].token, 2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].starts_with("2小时后开会"), "{}", got[0]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        reminders(&app, &members[1].token, 3).await.len(),
        2,
        "each lead once"
    );
    assert!(
        reminders(&app, &members[0].token, 0).await.is_empty(),
        "excused from every session"
    );
}
