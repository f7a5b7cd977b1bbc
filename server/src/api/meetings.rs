//! Bodies, meetings, answers and leave, check-in and quorum.

use std::sync::Arc;

use chrono::NaiveDate;

use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::CheckinCode;
use lvzhi_shared::ids::{
    BodyId, LeaveRequestId, MaterialId, MeetingId, MeetingSessionId, MemberId,
};
use lvzhi_shared::meetings::{
    Body, BodyImportReport, BodyList, BodyMember, BodyMemberLeaving, BodyMemberList,
    LeaveDecisionInput, LeaveRequest, LeaveRequestList, LeaveStatus, Meeting, MeetingAttendance,
    MeetingCancel, MeetingKind, MeetingList, MeetingPatch, MeetingResponse, MeetingRule, MyMeeting,
    NewBody, NewBodyMember, NewMeeting, Quorum, RecordedLeave, SessionCheckin, SessionCheckinInput,
};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Attachment;
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, OpenApi};

use super::Json;
use super::uploads::{self, FileCreated, FileRemoved, FileUpload};
use super::{ApiTags, parse_id};
use crate::app::AppState;
use crate::auth::{AdminAuth, BearerAuth, OfficeAuth};
use crate::db::{self, DbConnection};
use crate::domain::idempotency::IdemKey;
use crate::domain::meetings::{
    attendance, bodies, body_import, documents, leave, plan, rules, views,
};
use crate::domain::roster_files::{FileLimits, read_file};
use crate::error::{ApiResult, AppError};

pub struct MeetingsApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum BodyCreated {
    #[oai(status = 201)]
    Created(Json<Body>),
}

#[derive(ApiResponse)]
enum BodyMemberAdded {
    #[oai(status = 201)]
    Created(Json<BodyMember>),
}

/// `POST /bodies/{id}/members/import`.
#[derive(Multipart)]
struct BodyListUpload {
    /// CSV or XLSX with 姓名 and 手机号码 (委员编号 optional).
    file: Upload,
    /// `YYYY-MM-DD`: the day the listed members join.
    joined_on: String,
    /// Whether they vote (count for quorum); default true.
    voting: Option<bool>,
}

#[derive(ApiResponse)]
enum MeetingCreated {
    /// Created as a draft; publishing sends the notice.
    #[oai(status = 201)]
    Created(Json<Meeting>),
}

#[derive(ApiResponse)]
enum LeaveRecorded {
    #[oai(status = 201)]
    Created(Json<LeaveRequest>),
}

fn parse_kind(raw: &str) -> Result<MeetingKind, AppError> {
    MeetingKind::parse(raw).ok_or_else(|| {
        AppError::new(
            ErrorCode::InvalidParameter,
            "the kind is plenary, standing, chairs or appraisal",
        )
        .with_field("kind")
    })
}

fn idem_key(
    caller: &crate::auth::Caller,
    key: Option<&str>,
    operation: &str,
    subject: impl std::fmt::Display,
    body: &impl serde::Serialize,
) -> Result<Option<IdemKey>, AppError> {
    let request = serde_json::to_string(body).map_err(AppError::internal)?;
    IdemKey::new(caller.user_id, key, operation, subject, &request)
}

#[OpenApi(tag = "ApiTags::Meetings")]
impl MeetingsApi {
    /// Create a body
    ///
    /// Who: organizer, admin. A body (全体委员, 常务委员会, 主席会议成员, a
    /// special committee) of a term; meetings summon its members.
    #[oai(path = "/bodies", method = "post", operation_id = "create_body")]
    async fn create_body(&self, auth: OfficeAuth, body: Json<NewBody>) -> ApiResult<BodyCreated> {
        let ctx = self.state.ctx(auth.0).await?;
        let created = self
            .state
            .write(&ctx, move |conn, ctx| bodies::create(conn, ctx, &body.0))
            .await?;
        Ok(BodyCreated::Created(Json(created)))
    }

    /// The committee's bodies
    ///
    /// Who: organizer, admin. Latest term first.
    #[oai(path = "/bodies", method = "get", operation_id = "list_bodies")]
    async fn list_bodies(&self, auth: OfficeAuth) -> ApiResult<Json<BodyList>> {
        let ctx = self.state.ctx(auth.0).await?;
        let items = self.state.read(&ctx, bodies::list).await?;
        Ok(Json(BodyList { items }))
    }

    /// One body
    ///
    /// Who: organizer, admin.
    #[oai(path = "/bodies/:id", method = "get", operation_id = "get_body")]
    async fn get_body(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<Json<Body>> {
        let id: BodyId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let body = self
            .state
            .read(&ctx, move |conn, ctx| bodies::get(conn, ctx, id))
            .await?;
        Ok(Json(body))
    }

    /// A body's membership
    ///
    /// Who: organizer, admin. Every stretch of membership, by name then date.
    #[oai(
        path = "/bodies/:id/members",
        method = "get",
        operation_id = "list_body_members"
    )]
    async fn list_body_members(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
    ) -> ApiResult<Json<BodyMemberList>> {
        let id: BodyId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let items = self
            .state
            .read(&ctx, move |conn, ctx| bodies::members(conn, ctx, id))
            .await?;
        Ok(Json(BodyMemberList { items }))
    }

    /// Add a member to a body
    ///
    /// Who: organizer, admin. From `joined_on` (to `left_on`, if given);
    /// dates that overlap a stretch the member already has are refused with
    /// `body_membership_overlaps`. Published meetings still to come summon
    /// the member at once.
    #[oai(
        path = "/bodies/:id/members",
        method = "post",
        operation_id = "add_body_member"
    )]
    async fn add_body_member(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<NewBodyMember>,
    ) -> ApiResult<BodyMemberAdded> {
        let id: BodyId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let added = self
            .state
            .write(&ctx, move |conn, ctx| {
                bodies::add_member(conn, ctx, id, &body.0)
            })
            .await?;
        Ok(BodyMemberAdded::Created(Json(added)))
    }

    /// Import a body's members from a list
    ///
    /// Who: organizer, admin. A form with `file` (the roster's format: CSV or
    /// XLSX with 姓名 and 手机号码, 委员编号 if there is one; each row names a
    /// member already on the roster, and the name must match), `joined_on`
    /// (`YYYY-MM-DD`, the day they all join) and `voting` (default true).
    /// Rows naming someone already in the body that day are counted, not
    /// added again; bad rows are reported with their row number and the rest
    /// added. `dry_run=true` reports what would happen without writing.
    #[oai(
        path = "/bodies/:id/members/import",
        method = "post",
        operation_id = "import_body_members"
    )]
    async fn import_body_members(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        dry_run: Query<Option<bool>>,
        form: BodyListUpload,
    ) -> ApiResult<Json<BodyImportReport>> {
        let id: BodyId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let joined_on =
            NaiveDate::parse_from_str(form.joined_on.trim(), "%Y-%m-%d").map_err(|_| {
                AppError::new(ErrorCode::InvalidField, "a date as YYYY-MM-DD")
                    .with_field("joined_on")
            })?;
        let voting = form.voting.unwrap_or(true);
        let bytes = form.file.into_vec().await.map_err(|e| {
            AppError::new(
                ErrorCode::InvalidBody,
                format!("the upload cannot be read: {e}"),
            )
            .with_field("file")
        })?;
        let rows =
            read_file(&bytes, FileLimits::of(&self.state.config.limits)).map_err(AppError::from)?;
        let dry_run = dry_run.0.unwrap_or(false);
        let report = self
            .state
            .read(&ctx, move |conn, ctx| {
                let work = |conn: &mut DbConnection| {
                    body_import::import(conn, ctx, id, &rows, joined_on, voting)
                };
                if dry_run {
                    db::rehearse_tx(conn, work)
                } else {
                    db::write_tx(conn, work)
                }
            })
            .await?;
        Ok(Json(report))
    }

    /// A member leaves a body
    ///
    /// Who: organizer, admin. Ends the member's current stretch on `left_on`.
    #[oai(
        path = "/bodies/:id/members/:member_id",
        method = "patch",
        operation_id = "end_body_membership"
    )]
    async fn end_body_membership(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        member_id: Path<String>,
        body: Json<BodyMemberLeaving>,
    ) -> ApiResult<Json<BodyMember>> {
        let id: BodyId = parse_id(&id.0, "id")?;
        let member: MemberId = parse_id(&member_id.0, "member_id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let ended = self
            .state
            .write(&ctx, move |conn, ctx| {
                bodies::end_membership(conn, ctx, id, member, body.0.left_on)
            })
            .await?;
        Ok(Json(ended))
    }

    /// A meeting kind's rule
    ///
    /// Who: organizer, admin. Who approves leave (none listed: the office)
    /// and the quorum (default: more than half of the voting members).
    #[oai(
        path = "/meeting-rules/:kind",
        method = "get",
        operation_id = "get_meeting_rule"
    )]
    async fn get_rule(&self, auth: OfficeAuth, kind: Path<String>) -> ApiResult<Json<MeetingRule>> {
        let kind = parse_kind(&kind.0)?;
        let ctx = self.state.ctx(auth.0).await?;
        let rule = self
            .state
            .read(&ctx, move |conn, ctx| rules::get(conn, ctx, kind))
            .await?;
        Ok(Json(rule))
    }

    /// Set a meeting kind's rule
    ///
    /// Who: admin.
    #[oai(
        path = "/meeting-rules/:kind",
        method = "put",
        operation_id = "put_meeting_rule"
    )]
    async fn put_rule(
        &self,
        auth: AdminAuth,
        kind: Path<String>,
        body: Json<MeetingRule>,
    ) -> ApiResult<Json<MeetingRule>> {
        let kind = parse_kind(&kind.0)?;
        let ctx = self.state.ctx(auth.0).await?;
        let rule = self
            .state
            .write(&ctx, move |conn, ctx| rules::put(conn, ctx, kind, &body.0))
            .await?;
        Ok(Json(rule))
    }

    /// Create a meeting
    ///
    /// Who: organizer, admin. A draft with its sessions; sessions must start
    /// in the future (`time_in_past`). The leave deadline defaults to two
    /// days before the first session.
    #[oai(path = "/meetings", method = "post", operation_id = "create_meeting")]
    async fn create(&self, auth: OfficeAuth, body: Json<NewMeeting>) -> ApiResult<MeetingCreated> {
        let ctx = self.state.ctx(auth.0).await?;
        let meeting = self
            .state
            .write(&ctx, move |conn, ctx| {
                let id = plan::create(conn, ctx, &body.0)?;
                views::view(conn, ctx, id)
            })
            .await?;
        Ok(MeetingCreated::Created(Json(meeting)))
    }

    /// Meetings
    ///
    /// Who: any signed-in account. A member sees the meetings they are
    /// summoned to (with their own answer in `me`), the office every meeting;
    /// soonest first, those over only with `past=true`.
    #[oai(path = "/meetings", method = "get", operation_id = "list_meetings")]
    async fn list(
        &self,
        auth: BearerAuth,
        past: Query<Option<bool>>,
    ) -> ApiResult<Json<MeetingList>> {
        let ctx = self.state.ctx(auth.0).await?;
        let past = past.0.unwrap_or(false);
        let items = self
            .state
            .read(&ctx, move |conn, ctx| views::list(conn, ctx, past))
            .await?;
        Ok(Json(MeetingList { items }))
    }

    /// One meeting
    ///
    /// Who: the office, or a member summoned to it.
    #[oai(path = "/meetings/:id", method = "get", operation_id = "get_meeting")]
    async fn get(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Json<Meeting>> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let meeting = self
            .state
            .read(&ctx, move |conn, ctx| views::view(conn, ctx, id))
            .await?;
        Ok(Json(meeting))
    }

    /// Change or reschedule a meeting
    ///
    /// Who: organizer, admin. New session times of a published meeting void
    /// its leave requests (their members are told) and ask everyone summoned
    /// to answer again; times in the past are refused (`time_in_past`).
    #[oai(
        path = "/meetings/:id",
        method = "patch",
        operation_id = "update_meeting"
    )]
    async fn update(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<MeetingPatch>,
    ) -> ApiResult<Json<Meeting>> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let meeting = self
            .state
            .write(&ctx, move |conn, ctx| {
                plan::patch(conn, ctx, id, &body.0)?;
                views::view(conn, ctx, id)
            })
            .await?;
        Ok(Json(meeting))
    }

    /// Publish a meeting's notice
    ///
    /// Who: organizer, admin. Summons the body's members on the first
    /// session's date and the invitees, and notifies each.
    #[oai(
        path = "/meetings/:id/publish",
        method = "post",
        operation_id = "publish_meeting"
    )]
    async fn publish(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<Json<Meeting>> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let meeting = self
            .state
            .write(&ctx, move |conn, ctx| {
                plan::publish(conn, ctx, id)?;
                views::view(conn, ctx, id)
            })
            .await?;
        Ok(Json(meeting))
    }

    /// Cancel a meeting
    ///
    /// Who: organizer, admin. The summoned are told, with the reason.
    #[oai(
        path = "/meetings/:id/cancel",
        method = "post",
        operation_id = "cancel_meeting"
    )]
    async fn cancel(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<MeetingCancel>,
    ) -> ApiResult<Json<Meeting>> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let meeting = self
            .state
            .write(&ctx, move |conn, ctx| {
                plan::cancel(conn, ctx, id, body.0.reason.as_deref().unwrap_or_default())?;
                views::view(conn, ctx, id)
            })
            .await?;
        Ok(Json(meeting))
    }

    /// Upload a meeting document
    ///
    /// Who: organizer, admin. A form with `title` and `file` (PDF, Word,
    /// PowerPoint, Excel, JPEG, PNG or MP4, checked by content; 20 MB by
    /// default). It is listed on the meeting for everyone summoned.
    #[oai(
        path = "/meetings/:id/documents",
        method = "post",
        operation_id = "upload_meeting_document"
    )]
    async fn upload_document(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        form: FileUpload,
    ) -> ApiResult<FileCreated> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let upload = form.receive().await?;
        let document = self
            .state
            .write(&ctx, move |conn, ctx| {
                documents::add(
                    conn,
                    ctx,
                    id,
                    &upload.title,
                    &upload.file_name,
                    upload.bytes,
                )
            })
            .await?;
        Ok(FileCreated::Created(Json(document)))
    }

    /// Remove a meeting document
    ///
    /// Who: organizer, admin.
    #[oai(
        path = "/meetings/:id/documents/:document_id",
        method = "delete",
        operation_id = "remove_meeting_document"
    )]
    async fn remove_document(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        document_id: Path<String>,
    ) -> ApiResult<FileRemoved> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let document_id: MaterialId = parse_id(&document_id.0, "document_id")?;
        let ctx = self.state.ctx(auth.0).await?;
        self.state
            .write(&ctx, move |conn, ctx| {
                documents::remove(conn, ctx, id, document_id)
            })
            .await?;
        Ok(FileRemoved::NoContent)
    }

    /// Download a meeting document
    ///
    /// Who: the office, and members summoned to the meeting.
    #[oai(
        path = "/meetings/:id/documents/:document_id/file",
        method = "get",
        operation_id = "download_meeting_document"
    )]
    async fn document_file(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        document_id: Path<String>,
    ) -> ApiResult<Attachment<Vec<u8>>> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let document_id: MaterialId = parse_id(&document_id.0, "document_id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let (row, content) = self
            .state
            .read(&ctx, move |conn, ctx| {
                documents::file(conn, ctx, id, document_id)
            })
            .await?;
        Ok(uploads::download(content, Some(row.file_name)))
    }

    /// Answer a meeting's notice
    ///
    /// Who: a summoned member. `attend`, or `leave` with a reason for the
    /// whole meeting or chosen `sessions`, until the leave deadline
    /// (`leave_deadline_passed` after it: the office can still record leave).
    /// A second request for a session already asked off is
    /// `leave_already_requested`. Send an `Idempotency-Key` to make retries safe.
    #[oai(
        path = "/meetings/:id/responses",
        method = "post",
        operation_id = "answer_meeting"
    )]
    async fn answer(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        body: Json<MeetingResponse>,
    ) -> ApiResult<Json<MyMeeting>> {
        let caller = auth.0;
        let id: MeetingId = parse_id(&id.0, "id")?;
        let idem = idem_key(
            &caller,
            idempotency_key.0.as_deref(),
            "answer_meeting",
            id,
            &body.0,
        )?;
        let ctx = self.state.ctx(caller).await?;
        let mine = self
            .state
            .write(&ctx, move |conn, ctx| {
                leave::respond(conn, ctx, id, &body.0, idem.as_ref())
            })
            .await?;
        Ok(Json(mine))
    }

    /// A meeting's leave requests
    ///
    /// Who: organizer, admin. Oldest first.
    #[oai(
        path = "/meetings/:id/leave-requests",
        method = "get",
        operation_id = "list_meeting_leave_requests"
    )]
    async fn meeting_leave(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
    ) -> ApiResult<Json<LeaveRequestList>> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let items = self
            .state
            .read(&ctx, move |conn, ctx| leave::of_meeting(conn, ctx, id))
            .await?;
        Ok(Json(LeaveRequestList { items }))
    }

    /// Record leave for a member
    ///
    /// Who: organizer, admin. Approved at once and allowed after the
    /// deadline (a member who phoned the office).
    #[oai(
        path = "/meetings/:id/leave-requests",
        method = "post",
        operation_id = "record_leave"
    )]
    async fn record_leave(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<RecordedLeave>,
    ) -> ApiResult<LeaveRecorded> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let recorded = self
            .state
            .write(&ctx, move |conn, ctx| leave::record(conn, ctx, id, &body.0))
            .await?;
        Ok(LeaveRecorded::Created(Json(recorded)))
    }

    /// The leave approval queue
    ///
    /// Who: any signed-in account: approvers see the kinds they approve, the
    /// office every kind, anyone else an empty list. Oldest first; `status`
    /// filters (e.g. `pending`).
    #[oai(
        path = "/leave-requests",
        method = "get",
        operation_id = "list_leave_requests"
    )]
    async fn queue(
        &self,
        auth: BearerAuth,
        status: Query<Option<LeaveStatus>>,
    ) -> ApiResult<Json<LeaveRequestList>> {
        let ctx = self.state.ctx(auth.0).await?;
        let status = status.0;
        let items = self
            .state
            .read(&ctx, move |conn, ctx| leave::queue(conn, ctx, status))
            .await?;
        Ok(Json(LeaveRequestList { items }))
    }

    /// Approve or refuse a leave request
    ///
    /// Who: the approvers of the meeting's kind (none listed: the office);
    /// never one's own request (`own_leave_request`). Refusing needs a
    /// `note`. The member is told.
    #[oai(
        path = "/leave-requests/:id",
        method = "post",
        operation_id = "decide_leave"
    )]
    async fn decide(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<LeaveDecisionInput>,
    ) -> ApiResult<Json<LeaveRequest>> {
        let id: LeaveRequestId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let decided = self
            .state
            .write(&ctx, move |conn, ctx| leave::decide(conn, ctx, id, &body.0))
            .await?;
        Ok(Json(decided))
    }

    /// My leave requests
    ///
    /// Who: any signed-in account. Newest first.
    #[oai(
        path = "/me/leave-requests",
        method = "get",
        operation_id = "list_my_leave_requests"
    )]
    async fn mine(&self, auth: BearerAuth) -> ApiResult<Json<LeaveRequestList>> {
        let ctx = self.state.ctx(auth.0).await?;
        let items = self.state.read(&ctx, leave::mine).await?;
        Ok(Json(LeaveRequestList { items }))
    }

    /// A session's check-in code
    ///
    /// Who: organizer, admin. For the venue's screen; it rotates like an
    /// activity's.
    #[oai(
        path = "/meetings/:id/sessions/:sid/checkin-code",
        method = "get",
        operation_id = "get_session_checkin_code"
    )]
    async fn code(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        sid: Path<String>,
    ) -> ApiResult<Json<CheckinCode>> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let sid: MeetingSessionId = parse_id(&sid.0, "sid")?;
        let ctx = self.state.ctx(auth.0).await?;
        let code = self
            .state
            .read(&ctx, move |conn, ctx| {
                attendance::current_code(conn, ctx, id, sid)
            })
            .await?;
        Ok(Json(code))
    }

    /// Check in at a session
    ///
    /// Who: a summoned member, from an hour before the session to its end,
    /// with the code on the screen (scanned or its six digits). A member on
    /// leave who comes counts present. Send an `Idempotency-Key` to make
    /// retries safe.
    #[oai(
        path = "/meetings/:id/sessions/:sid/checkins",
        method = "post",
        operation_id = "check_in_session"
    )]
    async fn check_in(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        sid: Path<String>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        body: Json<SessionCheckinInput>,
    ) -> ApiResult<Json<SessionCheckin>> {
        let caller = auth.0;
        let id: MeetingId = parse_id(&id.0, "id")?;
        let sid: MeetingSessionId = parse_id(&sid.0, "sid")?;
        let idem = idem_key(
            &caller,
            idempotency_key.0.as_deref(),
            "check_in_session",
            sid,
            &body.0,
        )?;
        let ctx = self.state.ctx(caller).await?;
        let done = self
            .state
            .write(&ctx, move |conn, ctx| {
                attendance::check_in(conn, ctx, id, sid, &body.0.code, idem.as_ref())
            })
            .await?;
        Ok(Json(done))
    }

    /// A meeting's quorum, live
    ///
    /// Who: organizer, admin. Per session: voting members summoned, on
    /// leave, present and absent, against the kind's rule.
    #[oai(
        path = "/meetings/:id/quorum",
        method = "get",
        operation_id = "get_quorum"
    )]
    async fn quorum(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<Json<Quorum>> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let q = self
            .state
            .read(&ctx, move |conn, ctx| attendance::quorum(conn, ctx, id))
            .await?;
        Ok(Json(q))
    }

    /// A meeting's attendance
    ///
    /// Who: organizer, admin. Each summoned member per session: present,
    /// late, excused, absent, or still expected.
    #[oai(
        path = "/meetings/:id/attendance",
        method = "get",
        operation_id = "get_meeting_attendance"
    )]
    async fn attendance(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
    ) -> ApiResult<Json<MeetingAttendance>> {
        let id: MeetingId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let grid = self
            .state
            .read(&ctx, move |conn, ctx| attendance::attendance(conn, ctx, id))
            .await?;
        Ok(Json(grid))
    }
}
