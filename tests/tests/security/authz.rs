//! The authorization matrix: every operation of the running server's OpenAPI
//! document, called by every kind of caller, against the outcome a rules
//! table below expects. The table is keyed by "METHOD /path" and written
//! independently of the document's own "Who:" lines; an operation without a
//! rule, or a rule without an operation, fails the test.
//!
//! Every path names a real object of committee A, so an allowed call runs the
//! real handler. Calls that change things get fresh objects per cell or a body
//! the handler refuses after authorization.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::prelude::*;
use lvzhi_server::clock::Clock;
use lvzhi_server::db::schema::devices;
use lvzhi_shared::activities::{Activity, Finding, Material};
use lvzhi_shared::auth::TokenPair;
use lvzhi_shared::committees::Sector;
use lvzhi_shared::ids::{
    AnnouncementId, BodyId, LeaveRequestId, MaterialId, MeetingId, NotificationId, RectificationId,
    ReportId, ReportIssueId,
};
use lvzhi_shared::meetings::{Appraisal, Body as Body_, LeaveRequest, Meeting, Rectification};
use lvzhi_shared::members::{Member, NewMember, Role};
use lvzhi_shared::notifications::{AnnouncementCreated, NotificationPage};
use lvzhi_tests::{Backend, TestApp, chinese_digits, json_ok, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(every_operation_refuses_or_serves_each_kind_of_caller);

/// The kinds of caller. Committee A is the admin's; B is another committee
/// on the same deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// A member of A whose account was disabled after signing in.
    Disabled,
    /// An organizer of committee B.
    OtherOrganizer,
    Organizer,
    Admin,
    /// A member of A; last, so the others' calls on the member's own things come first.
    Member,
}

const CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::Disabled,
    Caller::OtherOrganizer,
    Caller::Organizer,
    Caller::Admin,
    Caller::Member,
];

/// Who may call an operation at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anyone,
    SignedIn,
    Office,
    Admin,
}

/// Whose objects the call names, which decides what a caller who passes
/// the role check gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The caller's own committee or account (lists, creation, `/me`): B's
    /// organizer is served, and nothing of committee A may appear.
    Own,
    /// An object of committee A in the path or body: B's organizer gets 404,
    /// as if it did not exist.
    CommitteeA,
    /// The member's own object (a notification): anyone else gets 404.
    MembersOwn,
}

struct Rule {
    op: &'static str,
    who: Who,
    reach: Reach,
}

const fn rule(op: &'static str, who: Who, reach: Reach) -> Rule {
    Rule { op, who, reach }
}

use Reach::{CommitteeA, MembersOwn, Own};
use Who::{Admin, Anyone, Office, SignedIn};

const RULES: &[Rule] = &[
    rule("POST /auth/login", Anyone, Own),
    rule("POST /auth/refresh", Anyone, Own),
    rule("POST /auth/logout", Anyone, Own),
    rule("POST /auth/activate", Anyone, Own),
    rule("GET /me", SignedIn, Own),
    rule("PUT /me/password", SignedIn, Own),
    rule("GET /me/activities", SignedIn, Own),
    rule("GET /me/record", SignedIn, Own),
    rule("GET /me/findings", SignedIn, Own),
    rule("POST /me/devices", SignedIn, Own),
    rule("DELETE /me/devices/{token}", SignedIn, Own),
    rule("GET /me/notifications", SignedIn, Own),
    rule("GET /me/notifications/unread-count", SignedIn, Own),
    rule("POST /me/notifications/read-all", SignedIn, Own),
    rule("POST /me/notifications/{id}/read", SignedIn, MembersOwn),
    rule("GET /me/calendar-url", SignedIn, Own),
    rule("POST /me/calendar-url", SignedIn, Own),
    rule("DELETE /me/calendar-url", SignedIn, Own),
    rule("GET /committee", SignedIn, Own),
    rule("PATCH /committee", Admin, Own),
    rule("GET /sectors", SignedIn, Own),
    rule("POST /sectors", Admin, Own),
    rule("GET /committees", Office, Own),
    rule("POST /committees", Admin, Own),
    rule(
        "POST /committees/{id}/admin-activation-code",
        Admin,
        CommitteeA,
    ),
    rule("GET /audit-log", Admin, Own),
    rule("GET /members", Office, Own),
    rule("POST /members", Office, Own),
    rule("POST /members/import", Office, Own),
    rule("POST /members/activation-codes", Office, CommitteeA),
    rule("GET /members/{id}", Office, CommitteeA),
    rule("PATCH /members/{id}", Office, CommitteeA),
    rule("GET /activities", SignedIn, Own),
    rule("POST /activities", Office, Own),
    rule("GET /activities/{id}", SignedIn, CommitteeA),
    rule("PATCH /activities/{id}", Office, CommitteeA),
    rule("PATCH /activities/{id}/roles/{role_id}", Office, CommitteeA),
    rule("POST /activities/{id}/publish", Office, CommitteeA),
    rule("POST /activities/{id}/cancel", Office, CommitteeA),
    rule("POST /activities/{id}/complete", Office, CommitteeA),
    rule("POST /activities/{id}/signups", SignedIn, CommitteeA),
    rule("DELETE /activities/{id}/signups/me", SignedIn, CommitteeA),
    rule("GET /activities/{id}/signups", Office, CommitteeA),
    rule("POST /activities/{id}/roster", Office, CommitteeA),
    rule(
        "DELETE /activities/{id}/roster/{member_id}",
        Office,
        CommitteeA,
    ),
    rule(
        "POST /activities/{id}/roster/{member_id}/promote",
        Office,
        CommitteeA,
    ),
    rule("GET /activities/{id}/checkin-code", Office, CommitteeA),
    rule("POST /activities/{id}/checkins", SignedIn, CommitteeA),
    rule("PUT /activities/{id}/attendance", Office, CommitteeA),
    rule("POST /activities/{id}/materials", Office, CommitteeA),
    rule(
        "DELETE /activities/{id}/materials/{material_id}",
        Office,
        CommitteeA,
    ),
    rule("GET /materials/{id}/file", SignedIn, CommitteeA),
    rule("GET /activities/{id}/findings", SignedIn, CommitteeA),
    rule("POST /activities/{id}/findings", SignedIn, CommitteeA),
    rule("PATCH /findings/{id}", Office, CommitteeA),
    rule("GET /activities/{id}/outcome", SignedIn, CommitteeA),
    rule("PUT /activities/{id}/outcome", Office, CommitteeA),
    rule("GET /stats", Office, Own),
    rule("GET /announcements", Office, Own),
    rule("POST /announcements", Office, Own),
    rule("GET /announcements/{id}", Office, CommitteeA),
    rule("POST /bodies", Office, Own),
    rule("GET /bodies", Office, Own),
    rule("GET /bodies/{id}", Office, CommitteeA),
    rule("GET /bodies/{id}/members", Office, CommitteeA),
    rule("POST /bodies/{id}/members", Office, CommitteeA),
    rule("PATCH /bodies/{id}/members/{member_id}", Office, CommitteeA),
    rule("POST /bodies/{id}/members/import", Office, CommitteeA),
    rule("GET /meeting-rules/{kind}", Office, Own),
    rule("PUT /meeting-rules/{kind}", Admin, Own),
    rule("GET /meetings", SignedIn, Own),
    rule("POST /meetings", Office, Own),
    rule("GET /meetings/{id}", SignedIn, CommitteeA),
    rule("PATCH /meetings/{id}", Office, CommitteeA),
    rule("POST /meetings/{id}/publish", Office, CommitteeA),
    rule("POST /meetings/{id}/cancel", Office, CommitteeA),
    rule("POST /meetings/{id}/documents", Office, CommitteeA),
    rule(
        "DELETE /meetings/{id}/documents/{document_id}",
        Office,
        CommitteeA,
    ),
    rule(
        "GET /meetings/{id}/documents/{document_id}/file",
        SignedIn,
        CommitteeA,
    ),
    rule("POST /meetings/{id}/responses", SignedIn, CommitteeA),
    rule("GET /meetings/{id}/leave-requests", Office, CommitteeA),
    rule("POST /meetings/{id}/leave-requests", Office, CommitteeA),
    rule("GET /leave-requests", SignedIn, Own),
    rule("POST /leave-requests/{id}", SignedIn, CommitteeA),
    rule("GET /me/leave-requests", SignedIn, Own),
    rule(
        "GET /meetings/{id}/sessions/{sid}/checkin-code",
        Office,
        CommitteeA,
    ),
    rule(
        "POST /meetings/{id}/sessions/{sid}/checkins",
        SignedIn,
        CommitteeA,
    ),
    rule("GET /meetings/{id}/quorum", Office, CommitteeA),
    rule("GET /meetings/{id}/attendance", Office, CommitteeA),
    rule("POST /appraisals", Office, Own),
    rule("GET /appraisals", SignedIn, Own),
    rule("GET /appraisals/{id}", SignedIn, CommitteeA),
    rule("POST /appraisals/{id}/open", Office, CommitteeA),
    rule("POST /appraisals/{id}/close", Office, CommitteeA),
    rule("POST /appraisals/{id}/ballots", SignedIn, CommitteeA),
    rule(
        "GET /appraisals/{id}/ballots/{receipt}",
        SignedIn,
        CommitteeA,
    ),
    rule("GET /appraisals/{id}/results", SignedIn, CommitteeA),
    rule("POST /rectifications", Office, Own),
    rule("GET /rectifications", SignedIn, CommitteeA),
    rule("PATCH /rectifications/{id}", Office, CommitteeA),
    rule("POST /reports", SignedIn, Own),
    rule("GET /reports", Office, Own),
    rule("GET /me/reports", SignedIn, Own),
    rule("GET /reports/{id}", SignedIn, CommitteeA),
    rule("PATCH /reports/{id}", SignedIn, MembersOwn),
    rule("POST /reports/{id}/submit", SignedIn, MembersOwn),
    rule("POST /reports/{id}/withdraw", SignedIn, MembersOwn),
    rule("POST /reports/{id}/cosign", SignedIn, MembersOwn),
    rule("POST /reports/{id}/attachments", SignedIn, MembersOwn),
    rule(
        "DELETE /reports/{id}/attachments/{attachment_id}",
        SignedIn,
        MembersOwn,
    ),
    rule(
        "GET /reports/{id}/attachments/{attachment_id}/file",
        SignedIn,
        CommitteeA,
    ),
    rule("GET /reports/{id}/versions", Office, CommitteeA),
    rule("POST /reports/{id}/accept", Office, CommitteeA),
    rule("POST /reports/{id}/return", Office, CommitteeA),
    rule("POST /reports/{id}/reject", Office, CommitteeA),
    rule("POST /reports/merge", Office, Own),
    rule("POST /reports/{id}/forward", Office, CommitteeA),
    rule("POST /reports/{id}/adoptions", Office, CommitteeA),
    rule("POST /reports/{id}/instructions", Office, CommitteeA),
    rule("POST /reports/{id}/replies", Office, CommitteeA),
    rule("POST /report-issues", Office, Own),
    rule("GET /report-issues", Office, Own),
    rule("GET /report-issues/{id}", Office, CommitteeA),
    rule("GET /report-issues/{id}/document", Office, CommitteeA),
    rule("GET /report-figures", Office, Own),
    rule("GET /points/years/{year}", SignedIn, Own),
    rule("PUT /points/years/{year}/rules", Office, Own),
    rule("POST /points/years/{year}/close", Office, Own),
    rule("GET /me/points", SignedIn, Own),
    rule("GET /members/{id}/points", Office, CommitteeA),
    rule("GET /points/summary", Office, Own),
    rule("POST /points/entries", Office, Own),
    rule("GET /points/entries", Office, Own),
    rule("DELETE /points/entries/{id}", Office, CommitteeA),
    rule("POST /me/points/disputes", SignedIn, Own),
    rule("GET /me/points/disputes", SignedIn, Own),
    rule("GET /points/disputes", Office, Own),
    rule("POST /points/disputes/{id}/accept", Office, CommitteeA),
    rule("POST /points/disputes/{id}/refuse", Office, CommitteeA),
];

/// What a cell must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Past authorization: not 401 or 403, never 5xx.
    Allowed,
    /// 401 `unauthorized`.
    Unauthenticated,
    /// 403 `account_disabled`.
    Disabled,
    /// 403 `forbidden`: the role is too low.
    Forbidden,
    /// 404 `not_found`: not the caller's to see.
    NotFound,
}

fn expected(rule: &Rule, caller: Caller) -> Expect {
    if rule.who == Anyone {
        return Expect::Allowed;
    }
    let role = match caller {
        Caller::Anonymous => return Expect::Unauthenticated,
        Caller::Disabled => return Expect::Disabled,
        Caller::Member => Role::Member,
        Caller::Organizer | Caller::OtherOrganizer => Role::Organizer,
        Caller::Admin => Role::Admin,
    };
    let admitted = match rule.who {
        Anyone | SignedIn => true,
        Office => role != Role::Member,
        Admin => role == Role::Admin,
    };
    if !admitted {
        return Expect::Forbidden;
    }
    match rule.reach {
        Own => Expect::Allowed,
        CommitteeA if caller == Caller::OtherOrganizer => Expect::NotFound,
        CommitteeA => Expect::Allowed,
        MembersOwn if caller == Caller::Member => Expect::Allowed,
        MembersOwn => Expect::NotFound,
    }
}

/// Committee A's objects, the callers' sessions, and B's organizer.
struct Fixture<'a> {
    app: &'a TestApp,
    admin: TokenPair,
    organizer: TokenPair,
    member: TokenPair,
    disabled: TokenPair,
    other: TokenPair,
    /// Added by the office, not yet activated.
    pending: Member,
    /// Activated, signed up to nothing.
    spare: Member,
    /// A published training the member is registered for, with a material.
    training: Activity,
    material: Material,
    /// A published inspection trip with the member's finding.
    trip: Activity,
    finding: Finding,
    /// A published outreach activity with its outcome recorded.
    outreach: Activity,
    /// A published training the member is registered for, to withdraw from.
    leave: Activity,
    announcement: AnnouncementId,
    /// The member's notification of that announcement.
    notification: NotificationId,
    /// The member's phone.
    device_token: String,
    sectors: Vec<Sector>,
    meetings: Meetings,
    reports: Reports,
    seq: AtomicU32,
}

/// Committee A's reports: one by the spare member naming the member as
/// co-signer, submitted with an attachment; one accepted and printed in an issue.
struct Reports {
    named: ReportId,
    attachment: MaterialId,
    issue: ReportIssueId,
}

/// Committee A's meeting objects: a body of the member, the spare member,
/// the organizer and the admin; a published meeting of it with the spare
/// member's recorded leave; a draft appraisal round at it, and a closed one
/// with a rectification item.
struct Meetings {
    body: BodyId,
    meeting: Meeting,
    /// A document of the meeting.
    document: MaterialId,
    leave: LeaveRequestId,
    draft_round: Appraisal,
    closed_round: Appraisal,
    rectification: RectificationId,
}

impl Fixture<'_> {
    fn token(&self, caller: Caller) -> Option<&str> {
        let pair = match caller {
            Caller::Anonymous => return None,
            Caller::Disabled => &self.disabled,
            Caller::OtherOrganizer => &self.other,
            Caller::Organizer => &self.organizer,
            Caller::Admin => &self.admin,
            Caller::Member => &self.member,
        };
        Some(&pair.access_token)
    }

    fn next(&self) -> u32 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Every id (and phone) of committee A that B's organizer must never see.
    fn committee_a_strings(&self) -> Vec<String> {
        let mut out = vec![
            self.admin.user.committee_id.to_string(),
            self.material.id.to_string(),
            self.meetings.document.to_string(),
            self.finding.id.to_string(),
            self.announcement.to_string(),
            self.notification.to_string(),
            self.device_token.clone(),
        ];
        for a in [&self.training, &self.trip, &self.outreach, &self.leave] {
            out.push(a.id.to_string());
            out.extend(a.roles.iter().map(|r| r.id.to_string()));
        }
        for m in [
            &self.admin.user,
            &self.organizer.user,
            &self.member.user,
            &self.disabled.user,
            &self.pending,
            &self.spare,
        ] {
            out.push(m.id.to_string());
            out.push(m.phone.clone());
        }
        out.extend(self.sectors.iter().map(|s| s.id.to_string()));
        let m = &self.meetings;
        out.push(m.body.to_string());
        out.push(m.meeting.id.to_string());
        out.extend(m.meeting.sessions.iter().map(|s| s.id.to_string()));
        out.push(m.leave.to_string());
        out.push(m.rectification.to_string());
        out.push(self.reports.named.to_string());
        out.push(self.reports.attachment.to_string());
        out.push(self.reports.issue.to_string());
        for r in [&m.draft_round, &m.closed_round] {
            out.push(r.id.to_string());
            out.extend(r.departments.iter().map(|d| d.id.to_string()));
        }
        out
    }

    /// A draft meeting of the body, made by the admin for one cell.
    async fn fresh_meeting(&self) -> Meeting {
        call_json(
            self.app,
            &self.admin.access_token,
            Method::POST,
            "/meetings",
            meeting_body(self.app, self.meetings.body),
        )
        .await
    }

    /// A draft appraisal round at the meeting, made by the admin for one cell.
    async fn fresh_round(&self) -> Appraisal {
        call_json(
            self.app,
            &self.admin.access_token,
            Method::POST,
            "/appraisals",
            json!({"meeting_id": self.meetings.meeting.id, "title": "评议", "departments": ["县教育局"]}),
        )
        .await
    }

    /// A published training of A, made by the admin for one cell.
    async fn fresh_activity(&self) -> Activity {
        self.app
            .published_activity(&self.admin.access_token, json!({"title": "临时活动"}), 48)
            .await
    }

    /// A material of the training, uploaded by the admin for one cell.
    async fn fresh_document(&self) -> MaterialId {
        upload_document(self.app, &self.admin.access_token, self.meetings.meeting.id).await
    }

    /// A manual entry of the member's record, made by the admin for one cell.
    async fn fresh_entry(&self) -> String {
        let entry: Value = call_json(
            self.app,
            &self.admin.access_token,
            Method::POST,
            "/points/entries",
            json!({"member_id": self.member.user.id, "event": "proposal",
                   "evidence": format!("提案第{}号", self.next()), "occurred_on": "2026-06-01"}),
        )
        .await;
        entry["id"].as_str().expect("entry id").to_owned()
    }

    /// An open dispute of the member's, filed for one cell.
    async fn fresh_dispute(&self) -> String {
        let dispute: Value = call_json(
            self.app,
            &self.member.access_token,
            Method::POST,
            "/me/points/disputes",
            json!({"year": 2026, "reason": format!("漏记第{}项", self.next())}),
        )
        .await;
        dispute["id"].as_str().expect("dispute id").to_owned()
    }

    /// A draft report of the member's, for one cell; with an attachment if asked.
    async fn fresh_draft(&self, attached: bool) -> (ReportId, Option<MaterialId>) {
        let report: Value = call_json(
            self.app,
            &self.member.access_token,
            Method::POST,
            "/reports",
            json!({"title": "关于路灯的建议", "body": "路灯不亮。", "category": "other"}),
        )
        .await;
        let id: ReportId = serde_json::from_value(report["id"].clone()).expect("report id");
        let attachment = if attached {
            Some(attach(self.app, &self.member.access_token, id).await)
        } else {
            None
        };
        (id, attachment)
    }

    async fn fresh_material(&self) -> MaterialId {
        let r = self
            .app
            .api(
                Method::POST,
                &format!("/activities/{}/materials", self.training.id),
            )
            .bearer_auth(&self.admin.access_token)
            .multipart(pdf_form())
            .send()
            .await
            .expect("upload");
        json_ok::<Material>(r).await.id
    }
}

async fn upload_document(app: &TestApp, token: &str, meeting: MeetingId) -> MaterialId {
    let r = app
        .api(Method::POST, &format!("/meetings/{meeting}/documents"))
        .bearer_auth(token)
        .multipart(pdf_form())
        .send()
        .await
        .expect("upload");
    json_ok::<Material>(r).await.id
}

async fn attach(app: &TestApp, token: &str, report: ReportId) -> MaterialId {
    let r = app
        .api(Method::POST, &format!("/reports/{report}/attachments"))
        .bearer_auth(token)
        .multipart(pdf_form())
        .send()
        .await
        .expect("attach");
    json_ok::<Material>(r).await.id
}

/// Committee A's reports (see [`Reports`]).
async fn report_objects(
    app: &TestApp,
    admin: &TokenPair,
    member: &TokenPair,
    spare: &Member,
) -> Reports {
    let office = &admin.access_token;
    let author = app.login(&spare.phone, lvzhi_tests::MEMBER_PASSWORD).await;
    let mut ids = Vec::new();
    for cosigners in [json!([member.user.id]), json!([])] {
        let report: Value = call_json(
            app,
            &author.access_token,
            Method::POST,
            "/reports",
            json!({"title": "关于停车难的建议", "body": "停车位不足。", "category": "livelihood", "cosigner_ids": cosigners}),
        )
        .await;
        let id: ReportId = serde_json::from_value(report["id"].clone()).expect("report id");
        ids.push(id);
    }
    let attachment = attach(app, &author.access_token, ids[0]).await;
    for id in &ids {
        let _: Value = call_json(
            app,
            &author.access_token,
            Method::POST,
            &format!("/reports/{id}/submit"),
            json!(null),
        )
        .await;
    }
    let _: Value = call_json(
        app,
        office,
        Method::POST,
        &format!("/reports/{}/accept", ids[1]),
        json!({}),
    )
    .await;
    let issue: Value = call_json(
        app,
        office,
        Method::POST,
        "/report-issues",
        json!({"issued_on": "2026-06-01", "report_ids": [ids[1]]}),
    )
    .await;
    Reports {
        named: ids[0],
        attachment,
        issue: serde_json::from_value(issue["id"].clone()).expect("issue id"),
    }
}

fn pdf_form() -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("title", "学习材料")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4\n% notes\n".to_vec()).file_name("notes.pdf"),
        )
}

/// A training starting in `hours`, as a create body.
fn activity_body(app: &TestApp, title: &str, hours: i64) -> Value {
    let starts = app.clock.now() + chrono::Duration::hours(hours);
    json!({
        "kind": "training",
        "title": title,
        "capacity": 10,
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
    })
}

async fn setup(app: &TestApp) -> Fixture<'_> {
    let admin = app.admin().await;
    let office = &admin.access_token;
    let organizer = app.account(Role::Organizer, "13900063001").await;
    let member = app.account(Role::Member, "13900063002").await;
    let disabled = app.account(Role::Member, "13900063003").await;
    let other = app.other_committee_organizer("13900063004").await;
    let pending = app
        .create_member(
            office,
            &NewMember {
                name: "待激活委员".into(),
                phone: "13900063005".into(),
                ..NewMember::default()
            },
        )
        .await
        .member;
    let spare = app.account(Role::Member, "13900063006").await.user;

    let training = app
        .published_activity(office, json!({"title": "政策学习"}), 24)
        .await;
    let trip = app
        .published_activity(
            office,
            json!({"kind": "inspection", "title": "视察饮水工程"}),
            2,
        )
        .await;
    let outreach = app
        .published_activity(
            office,
            json!({"kind": "outreach", "theme": "health", "title": "送医下乡"}),
            3,
        )
        .await;
    let leave = app
        .published_activity(office, json!({"title": "专题讲座"}), 30)
        .await;
    for a in [&training, &trip, &leave] {
        let r = app.sign_up(&member.access_token, &a.id, None).await;
        assert!(r.status().is_success(), "sign up: {}", r.status());
    }
    let material: Material = json_ok(
        app.api(
            Method::POST,
            &format!("/activities/{}/materials", training.id),
        )
        .bearer_auth(office)
        .multipart(pdf_form())
        .send()
        .await
        .expect("upload"),
    )
    .await;
    let finding: Finding = json_ok(
        app.api(Method::POST, &format!("/activities/{}/findings", trip.id))
            .bearer_auth(&member.access_token)
            .json(&json!({"title": "水质检测不足", "content": "建议每季度抽检一次。"}))
            .send()
            .await
            .expect("finding"),
    )
    .await;
    let r = app
        .api(Method::PUT, &format!("/activities/{}/outcome", outreach.id))
        .bearer_auth(office)
        .json(&outcome_body())
        .send()
        .await
        .expect("outcome");
    assert!(r.status().is_success(), "outcome: {}", r.status());
    let announcement: AnnouncementCreated = json_ok(
        app.api(Method::POST, "/announcements")
            .bearer_auth(office)
            .json(&announcement_body())
            .send()
            .await
            .expect("announce"),
    )
    .await;
    let inbox: NotificationPage = json_ok(
        app.api(Method::GET, "/me/notifications")
            .bearer_auth(&member.access_token)
            .send()
            .await
            .expect("inbox"),
    )
    .await;
    let notification = inbox
        .items
        .iter()
        .find(|n| n.announcement_id == Some(announcement.id))
        .expect("the member got the announcement")
        .id;
    let device_token = "fcm-member-phone-0001".to_owned();
    let r = app
        .api(Method::POST, "/me/devices")
        .bearer_auth(&member.access_token)
        .json(&json!({"token": device_token, "platform": "android"}))
        .send()
        .await
        .expect("device");
    assert!(r.status().is_success(), "device: {}", r.status());
    let sectors: Vec<Sector> = json_ok(
        app.api(Method::GET, "/sectors")
            .bearer_auth(office)
            .send()
            .await
            .expect("sectors"),
    )
    .await;
    let meetings = meeting_objects(app, &admin, &organizer, &member, &spare).await;
    let reports = report_objects(app, &admin, &member, &spare).await;
    // Disabled last: its tokens were issued while it was active.
    let r = app
        .api(Method::PATCH, &format!("/members/{}", disabled.user.id))
        .bearer_auth(office)
        .json(&json!({"status": "disabled"}))
        .send()
        .await
        .expect("disable");
    assert_eq!(r.status(), 200);

    Fixture {
        app,
        admin,
        organizer,
        member,
        disabled,
        other,
        pending,
        spare,
        training,
        material,
        trip,
        finding,
        outreach,
        leave,
        announcement: announcement.id,
        notification,
        device_token,
        sectors,
        meetings,
        reports,
        seq: AtomicU32::new(0),
    }
}

async fn call_json<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> T {
    let mut req = app.api(method, path).bearer_auth(token);
    if !body.is_null() {
        req = req.json(&body);
    }
    json_ok(req.send().await.expect("send")).await
}

/// A meeting of `body` with one session two days on, as a create body.
fn meeting_body(app: &TestApp, body: BodyId) -> Value {
    let starts = app.clock.now() + chrono::Duration::hours(48);
    json!({
        "kind": "standing", "body_id": body, "title": "常委会议",
        "sessions": [{"title": "全体会议", "starts_at": starts.to_rfc3339(),
            "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(), "place": "三楼会议室"}],
    })
}

/// Committee A's meeting objects (see [`Meetings`]).
async fn meeting_objects(
    app: &TestApp,
    admin: &TokenPair,
    organizer: &TokenPair,
    member: &TokenPair,
    spare: &Member,
) -> Meetings {
    let office = &admin.access_token;
    let body: Body_ = call_json(
        app,
        office,
        Method::POST,
        "/bodies",
        json!({"name": "常务委员会", "kind": "standing", "term": "第七届"}),
    )
    .await;
    let joined = (app.clock.now() - chrono::Duration::days(30))
        .date_naive()
        .to_string();
    for id in [member.user.id, spare.id, organizer.user.id, admin.user.id] {
        let _: Value = call_json(
            app,
            office,
            Method::POST,
            &format!("/bodies/{}/members", body.id),
            json!({"member_id": id, "joined_on": joined}),
        )
        .await;
    }
    let draft: Meeting = call_json(
        app,
        office,
        Method::POST,
        "/meetings",
        meeting_body(app, body.id),
    )
    .await;
    let meeting: Meeting = call_json(
        app,
        office,
        Method::POST,
        &format!("/meetings/{}/publish", draft.id),
        json!(null),
    )
    .await;
    let leave: LeaveRequest = call_json(
        app,
        office,
        Method::POST,
        &format!("/meetings/{}/leave-requests", meeting.id),
        json!({"member_id": spare.id, "reason": "住院"}),
    )
    .await;
    let new_round = json!({"meeting_id": meeting.id, "title": "部门评议", "departments": ["县教育局"], "electorate": "body"});
    let draft_round: Appraisal =
        call_json(app, office, Method::POST, "/appraisals", new_round.clone()).await;
    let round: Appraisal = call_json(app, office, Method::POST, "/appraisals", new_round).await;
    let _: Appraisal = call_json(
        app,
        office,
        Method::POST,
        &format!("/appraisals/{}/open", round.id),
        json!(null),
    )
    .await;
    let ballot =
        json!({"answers": [{"department_id": round.departments[0].id, "rating": "satisfied"}]});
    for voter in [member, organizer, admin] {
        let _: Value = call_json(
            app,
            &voter.access_token,
            Method::POST,
            &format!("/appraisals/{}/ballots", round.id),
            ballot.clone(),
        )
        .await;
    }
    let closed_round: Appraisal = call_json(
        app,
        office,
        Method::POST,
        &format!("/appraisals/{}/close", round.id),
        json!(null),
    )
    .await;
    let item: Rectification = call_json(app, office, Method::POST, "/rectifications", json!({"appraisal_id": round.id, "department_id": round.departments[0].id, "item": "整改", "due_on": "2027-06-30"})).await;
    let document = upload_document(app, office, meeting.id).await;
    Meetings {
        body: body.id,
        document,
        meeting,
        leave: leave.id,
        draft_round,
        closed_round,
        rectification: item.id,
    }
}

fn outcome_body() -> Value {
    json!({
        "people_served": 120,
        "consultations": 60,
        "materials_distributed": 200,
        "donated_value_yuan": 1000.0,
        "notes": "义诊。",
        "photo_urls": [],
    })
}

fn announcement_body() -> Value {
    json!({"title": "会议通知", "body": "请按时参加。", "audience": {"kind": "committee"}})
}

enum Body {
    Empty,
    Json(Value),
    Csv(String),
    Pdf,
    /// A body's list: a multipart form with `joined_on` and the CSV file.
    MemberList(String),
}

struct Call {
    method: Method,
    /// Under `/api/v1`, with the query if any.
    path: String,
    body: Body,
}

fn call(method: Method, path: impl Into<String>, body: Body) -> Call {
    Call {
        method,
        path: path.into(),
        body,
    }
}

/// The request one cell sends: real ids of committee A in every path.
async fn request(fx: &Fixture<'_>, op: &str, caller: Caller) -> Call {
    use Body::{Empty, Json};
    let app = fx.app;
    let training = &fx.training.id;
    let (get, post, put, patch, delete) = (
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    );
    match op {
        // Public: each gets a body its handler answers without harm.
        "POST /auth/login" => call(
            post,
            "/auth/login",
            Json(json!({"phone": app.admin_phone, "password": app.admin_password})),
        ),
        "POST /auth/refresh" => call(post, "/auth/refresh", Json(json!({}))),
        "POST /auth/logout" => call(
            post,
            "/auth/logout",
            Json(json!({"refresh_token": "no-such-session"})),
        ),
        // A weak new password is refused before the code is looked at.
        "POST /auth/activate" => call(
            post,
            "/auth/activate",
            Json(
                json!({"phone": fx.pending.phone, "activation_code": "000000", "new_password": "x"}),
            ),
        ),

        "GET /me" => call(get, "/me", Empty),
        // Refused as weak after authorization: nobody's password changes.
        "PUT /me/password" => call(
            put,
            "/me/password",
            Json(json!({"current_password": "password-123", "new_password": "x"})),
        ),
        "GET /me/activities" => call(get, "/me/activities", Empty),
        "GET /me/calendar-url" => call(get, "/me/calendar-url", Empty),
        "POST /me/calendar-url" => call(post, "/me/calendar-url", Empty),
        "DELETE /me/calendar-url" => call(delete, "/me/calendar-url", Empty),
        "GET /me/record" => call(get, "/me/record", Empty),
        "GET /me/findings" => call(get, "/me/findings", Empty),
        "POST /me/devices" => call(
            post,
            "/me/devices",
            Json(
                json!({"token": format!("fcm-cell-phone-{:04}", fx.next()), "platform": "android"}),
            ),
        ),
        "DELETE /me/devices/{token}" => {
            if caller == Caller::Member {
                // Everyone else went first: the member's phone must still be registered.
                let token = fx.device_token.clone();
                let left: i64 = app
                    .state
                    .db
                    .run(move |conn| {
                        Ok(devices::table
                            .filter(devices::token.eq(token))
                            .count()
                            .get_result(conn)?)
                    })
                    .await
                    .expect("devices");
                assert_eq!(left, 1, "another caller removed the member's phone");
            }
            call(delete, format!("/me/devices/{}", fx.device_token), Empty)
        }
        "GET /me/notifications" => call(get, "/me/notifications", Empty),
        "GET /me/notifications/unread-count" => call(get, "/me/notifications/unread-count", Empty),
        "POST /me/notifications/read-all" => call(post, "/me/notifications/read-all", Empty),
        "POST /me/notifications/{id}/read" => call(
            post,
            format!("/me/notifications/{}/read", fx.notification),
            Empty,
        ),

        "GET /committee" => call(get, "/committee", Empty),
        "PATCH /committee" => call(patch, "/committee", Json(json!({}))),
        "GET /sectors" => call(get, "/sectors", Empty),
        "GET /audit-log" => call(get, "/audit-log", Empty),
        "POST /sectors" => call(
            post,
            "/sectors",
            Json(json!({"name": format!("新界别{}", chinese_digits(&fx.next().to_string()))})),
        ),

        "GET /committees" => call(get, "/committees", Empty),
        "POST /committees" => call(
            post,
            "/committees",
            Json(json!({"name": "下级政协", "level": "county",
                        "admin_name": "下级管理员", "admin_phone": format!("1390007{:04}", fx.next())})),
        ),
        // A's own committee is not below itself: found by nobody, refused after authorization.
        "POST /committees/{id}/admin-activation-code" => call(
            post,
            format!(
                "/committees/{}/admin-activation-code",
                fx.admin.user.committee_id
            ),
            Empty,
        ),
        "GET /members" => call(get, "/members", Empty),
        "POST /members" => call(
            post,
            "/members",
            Json(json!({
                "name": format!("新委员{}", chinese_digits(&fx.next().to_string())),
                "phone": format!("1390007{:04}", fx.next()),
            })),
        ),
        "POST /members/import" => call(
            post,
            "/members/import?dry_run=true",
            Body::Csv(format!("姓名,手机号码\n导入委员,1390008{:04}\n", fx.next())),
        ),
        "POST /members/activation-codes" => call(
            post,
            "/members/activation-codes",
            Json(json!({"member_ids": [fx.pending.id]})),
        ),
        "GET /members/{id}" => call(get, format!("/members/{}", fx.member.user.id), Empty),
        "PATCH /members/{id}" => call(
            patch,
            format!("/members/{}", fx.member.user.id),
            Json(json!({"workplace": "县人民医院"})),
        ),

        "GET /activities" => call(get, "/activities", Empty),
        "POST /activities" => call(
            post,
            "/activities",
            Json(activity_body(app, "新的学习", 72)),
        ),
        "GET /activities/{id}" => call(get, format!("/activities/{training}"), Empty),
        "PATCH /activities/{id}" => call(
            patch,
            format!("/activities/{training}"),
            Json(json!({"title": "政策学习（更新）"})),
        ),
        "PATCH /activities/{id}/roles/{role_id}" => call(
            patch,
            format!("/activities/{training}/roles/{}", fx.training.roles[0].id),
            Json(json!({"capacity": 10})),
        ),
        "POST /activities/{id}/publish" => {
            let draft = app
                .create_activity(&fx.admin.access_token, activity_body(app, "待发布活动", 50))
                .await;
            call(post, format!("/activities/{}/publish", draft.id), Empty)
        }
        "POST /activities/{id}/cancel" => {
            let doomed = fx.fresh_activity().await;
            call(
                post,
                format!("/activities/{}/cancel", doomed.id),
                Json(json!({"reason": "天气原因"})),
            )
        }
        // Not started yet: refused after authorization, nothing completes.
        "POST /activities/{id}/complete" => {
            call(post, format!("/activities/{training}/complete"), Empty)
        }
        "POST /activities/{id}/signups" => call(
            post,
            format!("/activities/{training}/signups"),
            Json(json!({})),
        ),
        "DELETE /activities/{id}/signups/me" => call(
            delete,
            format!("/activities/{}/signups/me", fx.leave.id),
            Empty,
        ),
        "GET /activities/{id}/signups" => {
            call(get, format!("/activities/{training}/signups"), Empty)
        }
        "POST /activities/{id}/roster" => call(
            post,
            format!("/activities/{training}/roster"),
            Json(json!({"member_id": fx.spare.id})),
        ),
        "DELETE /activities/{id}/roster/{member_id}" => {
            let a = fx.fresh_activity().await;
            let r = app
                .api(Method::POST, &format!("/activities/{}/roster", a.id))
                .bearer_auth(&fx.admin.access_token)
                .json(&json!({"member_id": fx.member.user.id}))
                .send()
                .await
                .expect("roster add");
            assert!(r.status().is_success(), "roster add: {}", r.status());
            call(
                delete,
                format!("/activities/{}/roster/{}", a.id, fx.member.user.id),
                Empty,
            )
        }
        "POST /activities/{id}/roster/{member_id}/promote" => call(
            post,
            format!(
                "/activities/{training}/roster/{}/promote",
                fx.member.user.id
            ),
            Empty,
        ),
        "GET /activities/{id}/checkin-code" => {
            call(get, format!("/activities/{training}/checkin-code"), Empty)
        }
        "POST /activities/{id}/checkins" => call(
            post,
            format!("/activities/{training}/checkins"),
            Json(json!({"code": "000000"})),
        ),
        // Not started yet: refused after authorization.
        "PUT /activities/{id}/attendance" => call(
            put,
            format!("/activities/{training}/attendance"),
            Json(json!({"entries": [{"member_id": fx.member.user.id, "attendance": "attended"}]})),
        ),
        "POST /activities/{id}/materials" => {
            call(post, format!("/activities/{training}/materials"), Body::Pdf)
        }
        "DELETE /activities/{id}/materials/{material_id}" => {
            // Those allowed remove a material of their own; the rest aim at the shared one.
            let material = match caller {
                Caller::Organizer | Caller::Admin => fx.fresh_material().await,
                _ => fx.material.id,
            };
            call(
                delete,
                format!("/activities/{training}/materials/{material}"),
                Empty,
            )
        }
        "GET /materials/{id}/file" => {
            call(get, format!("/materials/{}/file", fx.material.id), Empty)
        }
        "GET /activities/{id}/findings" => {
            call(get, format!("/activities/{}/findings", fx.trip.id), Empty)
        }
        "POST /activities/{id}/findings" => call(
            post,
            format!("/activities/{}/findings", fx.trip.id),
            Json(json!({"title": "道路安全隐患", "content": "建议增设护栏。"})),
        ),
        "PATCH /findings/{id}" => call(
            patch,
            format!("/findings/{}", fx.finding.id),
            Json(json!({"status": "forwarded", "department": "县水利局"})),
        ),
        "GET /activities/{id}/outcome" => call(
            get,
            format!("/activities/{}/outcome", fx.outreach.id),
            Empty,
        ),
        "PUT /activities/{id}/outcome" => call(
            put,
            format!("/activities/{}/outcome", fx.outreach.id),
            Json(outcome_body()),
        ),
        "GET /stats" => call(get, "/stats", Empty),
        "GET /announcements" => call(get, "/announcements", Empty),
        "POST /announcements" => call(post, "/announcements", Json(announcement_body())),
        "GET /announcements/{id}" => {
            call(get, format!("/announcements/{}", fx.announcement), Empty)
        }
        "POST /bodies" => call(
            post,
            "/bodies",
            Json(json!({"name": "提案委员会", "kind": "special", "term": "第七届"})),
        ),
        "GET /bodies" => call(get, "/bodies", Empty),
        "GET /bodies/{id}" => call(get, format!("/bodies/{}", fx.meetings.body), Empty),
        "GET /bodies/{id}/members" => {
            call(get, format!("/bodies/{}/members", fx.meetings.body), Empty)
        }
        // Already a member: refused as an overlap after authorization.
        "POST /bodies/{id}/members" => call(
            post,
            format!("/bodies/{}/members", fx.meetings.body),
            Json(json!({"member_id": fx.spare.id, "joined_on": "2026-06-01"})),
        ),
        // A last day before the first: refused after authorization.
        "PATCH /bodies/{id}/members/{member_id}" => call(
            patch,
            format!("/bodies/{}/members/{}", fx.meetings.body, fx.spare.id),
            Json(json!({"left_on": "2000-01-01"})),
        ),
        // Names nobody on the roster: a report of one bad row, nothing added.
        "POST /bodies/{id}/members/import" => call(
            post,
            format!("/bodies/{}/members/import", fx.meetings.body),
            Body::MemberList("姓名,手机号码\n无此人,13900079999\n".into()),
        ),
        "GET /meeting-rules/{kind}" => call(get, "/meeting-rules/plenary", Empty),
        "PUT /meeting-rules/{kind}" => call(
            put,
            "/meeting-rules/plenary",
            Json(json!({"quorum_numerator": 1, "quorum_denominator": 2})),
        ),
        "GET /meetings" => call(get, "/meetings", Empty),
        "POST /meetings" => call(post, "/meetings", Json(meeting_body(app, fx.meetings.body))),
        "GET /meetings/{id}" => call(get, format!("/meetings/{}", fx.meetings.meeting.id), Empty),
        "PATCH /meetings/{id}" => call(
            patch,
            format!("/meetings/{}", fx.meetings.meeting.id),
            Json(json!({"agenda": "审议工作报告"})),
        ),
        "POST /meetings/{id}/publish" => {
            let draft = fx.fresh_meeting().await;
            call(post, format!("/meetings/{}/publish", draft.id), Empty)
        }
        "POST /meetings/{id}/cancel" => {
            let doomed = fx.fresh_meeting().await;
            call(
                post,
                format!("/meetings/{}/cancel", doomed.id),
                Json(json!({"reason": "改期"})),
            )
        }
        "POST /meetings/{id}/documents" => call(
            post,
            format!("/meetings/{}/documents", fx.meetings.meeting.id),
            Body::Pdf,
        ),
        "DELETE /meetings/{id}/documents/{document_id}" => {
            // Those allowed remove a document of their own; the rest aim at the shared one.
            let document = match caller {
                Caller::Organizer | Caller::Admin => fx.fresh_document().await,
                _ => fx.meetings.document,
            };
            call(
                delete,
                format!("/meetings/{}/documents/{document}", fx.meetings.meeting.id),
                Empty,
            )
        }
        // Everyone in A is summoned (the office's accounts belong to the body).
        "GET /meetings/{id}/documents/{document_id}/file" => call(
            get,
            format!(
                "/meetings/{}/documents/{}/file",
                fx.meetings.meeting.id, fx.meetings.document
            ),
            Empty,
        ),
        "POST /meetings/{id}/responses" => call(
            post,
            format!("/meetings/{}/responses", fx.meetings.meeting.id),
            Json(json!({"answer": "attend"})),
        ),
        "GET /meetings/{id}/leave-requests" => call(
            get,
            format!("/meetings/{}/leave-requests", fx.meetings.meeting.id),
            Empty,
        ),
        // The spare member's leave is already recorded: refused after authorization.
        "POST /meetings/{id}/leave-requests" => call(
            post,
            format!("/meetings/{}/leave-requests", fx.meetings.meeting.id),
            Json(json!({"member_id": fx.spare.id, "reason": "出差"})),
        ),
        "GET /leave-requests" => call(get, "/leave-requests", Empty),
        // A refusal without its reason: refused after authorization.
        "POST /leave-requests/{id}" => call(
            post,
            format!("/leave-requests/{}", fx.meetings.leave),
            Json(json!({"decision": "refuse"})),
        ),
        "GET /me/leave-requests" => call(get, "/me/leave-requests", Empty),
        "GET /meetings/{id}/sessions/{sid}/checkin-code" => call(
            get,
            format!(
                "/meetings/{}/sessions/{}/checkin-code",
                fx.meetings.meeting.id, fx.meetings.meeting.sessions[0].id
            ),
            Empty,
        ),
        // Not a code: refused after authorization.
        "POST /meetings/{id}/sessions/{sid}/checkins" => call(
            post,
            format!(
                "/meetings/{}/sessions/{}/checkins",
                fx.meetings.meeting.id, fx.meetings.meeting.sessions[0].id
            ),
            Json(json!({"code": "000000"})),
        ),
        "GET /meetings/{id}/quorum" => call(
            get,
            format!("/meetings/{}/quorum", fx.meetings.meeting.id),
            Empty,
        ),
        "GET /meetings/{id}/attendance" => call(
            get,
            format!("/meetings/{}/attendance", fx.meetings.meeting.id),
            Empty,
        ),
        "POST /appraisals" => call(
            post,
            "/appraisals",
            Json(
                json!({"meeting_id": fx.meetings.meeting.id, "title": "评议", "departments": ["县卫健局"]}),
            ),
        ),
        "GET /appraisals" => call(get, "/appraisals", Empty),
        "GET /appraisals/{id}" => call(
            get,
            format!("/appraisals/{}", fx.meetings.draft_round.id),
            Empty,
        ),
        "POST /appraisals/{id}/open" => {
            let round = fx.fresh_round().await;
            call(post, format!("/appraisals/{}/open", round.id), Empty)
        }
        // A draft cannot close: refused after authorization.
        "POST /appraisals/{id}/close" => call(
            post,
            format!("/appraisals/{}/close", fx.meetings.draft_round.id),
            Empty,
        ),
        // A draft takes no ballots: refused after authorization.
        "POST /appraisals/{id}/ballots" => call(
            post,
            format!("/appraisals/{}/ballots", fx.meetings.draft_round.id),
            Json(json!({"answers": []})),
        ),
        "GET /appraisals/{id}/ballots/{receipt}" => call(
            get,
            format!(
                "/appraisals/{}/ballots/{}",
                fx.meetings.closed_round.id,
                "0".repeat(32)
            ),
            Empty,
        ),
        "GET /appraisals/{id}/results" => call(
            get,
            format!("/appraisals/{}/results", fx.meetings.closed_round.id),
            Empty,
        ),
        // The draft round has no results yet: refused after authorization.
        "POST /rectifications" => call(
            post,
            "/rectifications",
            Json(json!({
                "appraisal_id": fx.meetings.draft_round.id,
                "department_id": fx.meetings.draft_round.departments[0].id,
                "item": "整改", "due_on": "2027-06-30",
            })),
        ),
        "GET /rectifications" => call(
            get,
            format!(
                "/rectifications?appraisal_id={}",
                fx.meetings.closed_round.id
            ),
            Empty,
        ),
        "PATCH /rectifications/{id}" => call(
            patch,
            format!("/rectifications/{}", fx.meetings.rectification),
            Json(json!({"note": "已督办"})),
        ),
        "POST /reports" => call(
            post,
            "/reports",
            Json(json!({"title": "关于公交的建议", "body": "班次太少。", "category": "other"})),
        ),
        "GET /reports" => call(get, "/reports", Empty),
        "GET /me/reports" => call(get, "/me/reports", Empty),
        "GET /reports/{id}" => call(get, format!("/reports/{}", fx.reports.named), Empty),
        // The member's own draft, one per cell: the member may change it, no one else.
        "PATCH /reports/{id}" => {
            let (draft, _) = fx.fresh_draft(false).await;
            call(
                patch,
                format!("/reports/{draft}"),
                Json(json!({"title": "新标题"})),
            )
        }
        "POST /reports/{id}/submit" => {
            let (draft, _) = fx.fresh_draft(false).await;
            call(post, format!("/reports/{draft}/submit"), Empty)
        }
        "POST /reports/{id}/withdraw" => {
            let (draft, _) = fx.fresh_draft(false).await;
            call(post, format!("/reports/{draft}/withdraw"), Empty)
        }
        "POST /reports/{id}/attachments" => {
            let (draft, _) = fx.fresh_draft(false).await;
            call(post, format!("/reports/{draft}/attachments"), Body::Pdf)
        }
        "DELETE /reports/{id}/attachments/{attachment_id}" => {
            let (draft, attachment) = fx.fresh_draft(true).await;
            let attachment = attachment.expect("attached");
            call(
                delete,
                format!("/reports/{draft}/attachments/{attachment}"),
                Empty,
            )
        }
        // Only the member is named to co-sign.
        "POST /reports/{id}/cosign" => call(
            post,
            format!("/reports/{}/cosign", fx.reports.named),
            Json(json!({"confirm": true})),
        ),
        "GET /reports/{id}/attachments/{attachment_id}/file" => call(
            get,
            format!(
                "/reports/{}/attachments/{}/file",
                fx.reports.named, fx.reports.attachment
            ),
            Empty,
        ),
        "GET /reports/{id}/versions" => call(
            get,
            format!("/reports/{}/versions", fx.reports.named),
            Empty,
        ),
        "POST /reports/{id}/accept" | "POST /reports/{id}/return" | "POST /reports/{id}/reject" => {
            let action = op.rsplit('/').next().unwrap_or_default();
            call(
                post,
                format!("/reports/{}/{action}", fx.reports.named),
                Json(json!({})),
            )
        }
        // Refused after authorization: fewer than two reports.
        "POST /reports/merge" => call(
            post,
            "/reports/merge",
            Json(json!({"report_ids": [], "title": "合并", "body": "正文", "category": "other"})),
        ),
        "POST /reports/{id}/forward" => call(
            post,
            format!("/reports/{}/forward", fx.reports.named),
            Json(json!({"target": "outside", "outside_name": "市委办公室"})),
        ),
        "POST /reports/{id}/adoptions" => call(
            post,
            format!("/reports/{}/adoptions", fx.reports.named),
            Json(json!({"level": "city", "adopted_on": "2026-06-01", "adopted_by": "市委办公室"})),
        ),
        "POST /reports/{id}/instructions" => call(
            post,
            format!("/reports/{}/instructions", fx.reports.named),
            Json(
                json!({"leader": "市长", "level": "city", "given_on": "2026-06-01", "text": "阅。"}),
            ),
        ),
        "POST /reports/{id}/replies" => call(
            post,
            format!("/reports/{}/replies", fx.reports.named),
            Json(json!({"department": "市住建局", "replied_on": "2026-06-01", "text": "已办理。"})),
        ),
        // Refused after authorization: no reports.
        "POST /report-issues" => call(
            post,
            "/report-issues",
            Json(json!({"issued_on": "2026-06-01", "report_ids": []})),
        ),
        "GET /report-issues" => call(get, "/report-issues?year=2026", Empty),
        "GET /points/years/{year}" => call(get, "/points/years/2026", Empty),
        // Refused after authorization: the thresholds upside down.
        "PUT /points/years/{year}/rules" => {
            let mut rules =
                serde_json::to_value(lvzhi_shared::points::PointsRules::defaults()).expect("rules");
            rules["qualified_from"] = json!(95.0);
            call(put, "/points/years/2026/rules", Json(rules))
        }
        // Refused after authorization: a year not begun.
        "POST /points/years/{year}/close" => call(post, "/points/years/2100/close", Empty),
        "GET /me/points" => call(get, "/me/points?year=2026", Empty),
        "GET /members/{id}/points" => call(
            get,
            format!("/members/{}/points?year=2026", fx.member.user.id),
            Empty,
        ),
        "GET /points/summary" => call(get, "/points/summary?year=2026", Empty),
        // B's organizer names a member of A: unknown there (422).
        "POST /points/entries" => call(
            post,
            "/points/entries",
            Json(
                json!({"member_id": fx.member.user.id, "event": "plenary_speech",
                        "evidence": format!("大会发言{}", fx.next()), "occurred_on": "2026-06-01"}),
            ),
        ),
        "GET /points/entries" => call(get, "/points/entries?year=2026", Empty),
        "DELETE /points/entries/{id}" => {
            let entry = fx.fresh_entry().await;
            call(delete, format!("/points/entries/{entry}"), Empty)
        }
        "POST /me/points/disputes" => call(
            post,
            "/me/points/disputes",
            Json(json!({"year": 2026, "reason": format!("漏记{}", fx.next())})),
        ),
        "GET /me/points/disputes" => call(get, "/me/points/disputes", Empty),
        "GET /points/disputes" => call(get, "/points/disputes?year=2026", Empty),
        "POST /points/disputes/{id}/accept" => {
            let dispute = fx.fresh_dispute().await;
            call(
                post,
                format!("/points/disputes/{dispute}/accept"),
                Json(json!({"points": 1.5, "note": "核实补记"})),
            )
        }
        "POST /points/disputes/{id}/refuse" => {
            let dispute = fx.fresh_dispute().await;
            call(
                post,
                format!("/points/disputes/{dispute}/refuse"),
                Json(json!({"reason": "不符合规定"})),
            )
        }
        "GET /report-issues/{id}" => {
            call(get, format!("/report-issues/{}", fx.reports.issue), Empty)
        }
        "GET /report-issues/{id}/document" => call(
            get,
            format!("/report-issues/{}/document", fx.reports.issue),
            Empty,
        ),
        "GET /report-figures" => call(get, "/report-figures", Empty),
        other => panic!("{other} has a rule but no request in `request`"),
    }
}

/// The operations the running server documents, as "METHOD /path".
async fn documented_operations(app: &TestApp) -> BTreeSet<String> {
    let doc: Value = app
        .raw(Method::GET, "/api/v1/openapi.json")
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            ops.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    ops
}

async fn every_operation_refuses_or_serves_each_kind_of_caller(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ops = documented_operations(&app).await;
    let ruled: BTreeSet<String> = RULES.iter().map(|r| r.op.to_owned()).collect();
    assert_eq!(ruled.len(), RULES.len(), "an operation has two rules");
    let unruled: Vec<&String> = ops.difference(&ruled).collect();
    assert!(
        unruled.is_empty(),
        "operations without a rule in security/authz.rs: {unruled:?}"
    );
    let stale: Vec<&String> = ruled.difference(&ops).collect();
    assert!(
        stale.is_empty(),
        "rules for operations the server no longer has: {stale:?}"
    );

    let fx = setup(&app).await;
    let committee_a = fx.committee_a_strings();
    let mut wrong = Vec::new();
    let mut cells = 0;
    for rule in RULES {
        for caller in CALLERS {
            let want = expected(rule, caller);
            let c = request(&fx, rule.op, caller).await;
            let mut req = app.api(c.method, &c.path);
            if let Some(token) = fx.token(caller) {
                req = req.bearer_auth(token);
            }
            req = match c.body {
                Body::Empty => req,
                Body::Json(v) => req.json(&v),
                Body::Csv(text) => req.header("content-type", "text/csv").body(text),
                Body::Pdf => req.multipart(pdf_form()),
                Body::MemberList(csv) => req.multipart(
                    reqwest::multipart::Form::new()
                        .text("joined_on", "2026-06-01")
                        .part(
                            "file",
                            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("list.csv"),
                        ),
                ),
            };
            let resp = req.send().await.expect("send");
            cells += 1;
            let status = resp.status();
            let text = resp.text().await.expect("body");
            let code = serde_json::from_str::<Value>(&text)
                .ok()
                .filter(|_| !status.is_success())
                .and_then(|v| v["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let ok = match want {
                Expect::Allowed => {
                    status != StatusCode::UNAUTHORIZED
                        && status != StatusCode::FORBIDDEN
                        && !status.is_server_error()
                }
                Expect::Unauthenticated => status == 401 && code == "unauthorized",
                Expect::Disabled => status == 403 && code == "account_disabled",
                Expect::Forbidden => status == 403 && code == "forbidden",
                Expect::NotFound => status == 404 && code == "not_found",
            };
            // (Public operations answer the same to everyone: the login names its own account.)
            let leaked: Vec<&String> = if caller == Caller::OtherOrganizer && rule.who != Anyone {
                committee_a.iter().filter(|s| text.contains(*s)).collect()
            } else {
                Vec::new()
            };
            eprintln!("{:<50} {caller:<15?} {status} {code}", rule.op);
            if !ok {
                wrong.push(format!(
                    "{} as {caller:?}: expected {want:?}, got {status} {text}",
                    rule.op
                ));
            }
            if !leaked.is_empty() {
                wrong.push(format!(
                    "{} as {caller:?}: committee A's {leaked:?} in {text}",
                    rule.op
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(cells, ops.len() * CALLERS.len());
}
