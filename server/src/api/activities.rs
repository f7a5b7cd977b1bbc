use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use lvzhi_shared::activities::{
    Activity, ActivityChange, ActivityKind, ActivityPage, ActivityPatch, ActivityStatus,
    AttendanceResult, AttendanceUpdate, CancelActivity, CapacityOverflow, CheckinCode,
    CheckinRequest, CheckinResult, MyActivity, MyActivityList, NewActivity, RoleCapacityPatch,
    Roster, RosterAdd, SignupRequest, SignupResult,
};
use lvzhi_shared::ids::{ActivityId, MaterialId, MemberId, RoleSlotId};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Attachment, AttachmentType};
use poem_openapi::{ApiResponse, Enum, OpenApi};

use super::Json;
use super::formats::Formats;
use super::page_size::PageSize;
use super::uploads::{self, FileCreated, FileRemoved, FileUpload};
use super::{ApiTags, parse_id};
use crate::app::AppState;
use crate::auth::{BearerAuth, Caller, OfficeAuth};
use crate::db::DbConnection;
use crate::domain::activities::signups::{CapacityChange, SignupJob};
use crate::domain::activities::{self, ListFilter};
use crate::domain::idempotency::IdemKey;
use crate::domain::{
    Ctx, activities::checkin, activities::materials, activities::roster, activities::signups,
};
use crate::error::{ApiResult, AppError};

pub struct ActivitiesApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum Created {
    /// Created as a draft.
    #[oai(status = 201)]
    Created(Json<Activity>),
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum RosterFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(ApiResponse)]
enum RosterResponse {
    /// The roster as JSON.
    #[oai(status = 200)]
    Json(Json<Roster>),
    /// The roster as a CSV file (UTF-8, Chinese headers).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Attachment<Vec<u8>>),
    /// The roster as an Excel workbook (Chinese headers).
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<Vec<u8>>),
}

impl ActivitiesApi {
    /// The activity as the caller sees it, read after a change.
    async fn view(&self, ctx: &Ctx, id: ActivityId) -> Result<Activity, AppError> {
        self.state
            .read(ctx, move |conn, ctx| {
                let row = activities::visible(conn, ctx, id)?;
                activities::view(conn, row, ctx.caller.user_id, ctx.tz)
            })
            .await
    }

    /// Runs a state change in a write transaction, then reads the activity back.
    async fn transition(
        &self,
        caller: Caller,
        id: &str,
        change: impl FnOnce(&mut DbConnection, &Ctx, ActivityId) -> Result<(), AppError>
        + Send
        + 'static,
    ) -> Result<Activity, AppError> {
        let id = parse_id(id, "id")?;
        let ctx = self.state.ctx(caller).await?;
        self.state
            .write(&ctx, move |conn, ctx| change(conn, ctx, id))
            .await?;
        self.view(&ctx, id).await
    }

    /// An office change to one member's sign-up, in a write transaction.
    async fn roster_change(
        &self,
        caller: Caller,
        id: &str,
        member_id: &str,
        change: impl FnOnce(
            &mut DbConnection,
            &Ctx,
            ActivityId,
            MemberId,
        ) -> Result<SignupResult, AppError>
        + Send
        + 'static,
    ) -> Result<SignupResult, AppError> {
        let id = parse_id(id, "id")?;
        let member_id = parse_id(member_id, "member_id")?;
        let ctx = self.state.ctx(caller).await?;
        self.state
            .write(&ctx, move |conn, ctx| change(conn, ctx, id, member_id))
            .await
    }

    async fn change(
        &self,
        ctx: &Ctx,
        id: ActivityId,
        moved: CapacityChange,
    ) -> Result<ActivityChange, AppError> {
        Ok(ActivityChange {
            activity: self.view(ctx, id).await?,
            moved_to_waitlist: moved.moved_to_waitlist,
            promoted: moved.promoted,
        })
    }
}

#[OpenApi(tag = "ApiTags::Activities")]
impl ActivitiesApi {
    /// Upcoming activities
    ///
    /// Who: any signed-in account. Members see published activities open to
    /// them; the office sees all of its committee's, drafts included. Without
    /// `from`, lists those not yet ended, soonest first.
    #[oai(path = "/activities", method = "get", operation_id = "list_activities")]
    // poem-openapi takes each query parameter as an argument.
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: BearerAuth,
        kind: Query<Option<ActivityKind>>,
        status: Query<Option<ActivityStatus>>,
        from: Query<Option<DateTime<FixedOffset>>>,
        to: Query<Option<DateTime<FixedOffset>>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<PageSize>>,
    ) -> ApiResult<Json<ActivityPage>> {
        let ctx = self.state.ctx(auth.0).await?;
        let filter = ListFilter {
            kind: kind.0,
            status: status.0,
            from: from.0.map(|t| t.naive_utc()),
            to: to.0.map(|t| t.naive_utc()),
            cursor: cursor.0,
            limit: PageSize::or_default(limit.0),
        };
        let (items, next_cursor) = self
            .state
            .read(&ctx, move |conn, ctx| activities::list(conn, ctx, &filter))
            .await?;
        Ok(Json(ActivityPage { items, next_cursor }))
    }

    /// Plan an activity
    ///
    /// Who: organizer, admin. Created as a draft; publish it to open sign-up.
    #[oai(
        path = "/activities",
        method = "post",
        operation_id = "create_activity"
    )]
    async fn create(&self, auth: OfficeAuth, body: Json<NewActivity>) -> ApiResult<Created> {
        let ctx = self.state.ctx(auth.0).await?;
        let id = self
            .state
            .write(&ctx, move |conn, ctx| {
                activities::create(conn, ctx, &body.0)
            })
            .await?;
        Ok(Created::Created(Json(self.view(&ctx, id).await?)))
    }

    /// One activity, with my sign-up
    ///
    /// Who: any signed-in account (members: only activities open to them).
    #[oai(
        path = "/activities/:id",
        method = "get",
        operation_id = "get_activity"
    )]
    async fn get(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Json<Activity>> {
        let id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        Ok(Json(self.view(&ctx, id).await?))
    }

    /// Change an activity
    ///
    /// Who: organizer, admin. A new time or place of a published activity is
    /// announced to everyone signed up. Lowering `capacity` below the members
    /// registered is refused unless `on_overflow` is `waitlist`.
    #[oai(
        path = "/activities/:id",
        method = "patch",
        operation_id = "update_activity"
    )]
    async fn patch(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<ActivityPatch>,
    ) -> ApiResult<Json<ActivityChange>> {
        let id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let moved = self
            .state
            .write(&ctx, move |conn, ctx| {
                activities::patch(conn, ctx, id, &body.0)
            })
            .await?;
        Ok(Json(self.change(&ctx, id, moved).await?))
    }

    /// Change a role slot's capacity
    ///
    /// Who: organizer, admin.
    #[oai(
        path = "/activities/:id/roles/:role_id",
        method = "patch",
        operation_id = "update_role_capacity"
    )]
    async fn patch_role(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        role_id: Path<String>,
        body: Json<RoleCapacityPatch>,
    ) -> ApiResult<Json<ActivityChange>> {
        let id = parse_id(&id.0, "id")?;
        let role_id: RoleSlotId = parse_id(&role_id.0, "role_id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let overflow = body.0.on_overflow.unwrap_or(CapacityOverflow::Refuse);
        let moved = self
            .state
            .write(&ctx, move |conn, ctx| {
                signups::set_role_capacity(conn, ctx, id, role_id, body.0.capacity, overflow)
            })
            .await?;
        Ok(Json(self.change(&ctx, id, moved).await?))
    }

    /// Publish a draft
    ///
    /// Who: organizer, admin.
    #[oai(
        path = "/activities/:id/publish",
        method = "post",
        operation_id = "publish_activity"
    )]
    async fn publish(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<Json<Activity>> {
        Ok(Json(
            self.transition(auth.0, &id.0, activities::publish).await?,
        ))
    }

    /// Cancel an activity
    ///
    /// Who: organizer, admin. Everyone signed up is told, at once when it is within a day.
    #[oai(
        path = "/activities/:id/cancel",
        method = "post",
        operation_id = "cancel_activity"
    )]
    async fn cancel(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<CancelActivity>,
    ) -> ApiResult<Json<Activity>> {
        let reason = body.0.reason;
        let cancel = move |conn: &mut DbConnection, ctx: &Ctx, id: ActivityId| {
            activities::cancel(conn, ctx, id, reason.as_deref())
        };
        Ok(Json(self.transition(auth.0, &id.0, cancel).await?))
    }

    /// Mark an activity completed
    ///
    /// Who: organizer, admin. Once it has started.
    #[oai(
        path = "/activities/:id/complete",
        method = "post",
        operation_id = "complete_activity"
    )]
    async fn complete(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<Json<Activity>> {
        Ok(Json(
            self.transition(auth.0, &id.0, activities::complete).await?,
        ))
    }

    /// Sign up
    ///
    /// Who: any signed-in account in the activity's audience. Answers
    /// `registered`, or `waitlisted` with a position. Send an
    /// `Idempotency-Key` to make retries safe.
    #[oai(
        path = "/activities/:id/signups",
        method = "post",
        operation_id = "sign_up"
    )]
    async fn sign_up(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        body: Json<SignupRequest>,
    ) -> ApiResult<Json<SignupResult>> {
        let caller = auth.0;
        let id: ActivityId = parse_id(&id.0, "id")?;
        let request = serde_json::to_string(&body.0).map_err(AppError::internal)?;
        let idem = IdemKey::new(
            caller.user_id,
            idempotency_key.0.as_deref(),
            "sign_up",
            id,
            &request,
        )?;
        let job = SignupJob {
            caller,
            role_id: body.0.role_id,
            idem,
        };
        let key = (job.caller.committee_id, id);
        let answer = self.state.signups.submit(key, job).await?;
        Ok(Json(answer))
    }

    /// Withdraw my sign-up
    ///
    /// Who: any signed-in account. A freed place goes to the next in line at
    /// once. Send an `Idempotency-Key` to make retries safe.
    #[oai(
        path = "/activities/:id/signups/me",
        method = "delete",
        operation_id = "cancel_my_signup"
    )]
    async fn cancel_mine(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
    ) -> ApiResult<Json<SignupResult>> {
        let caller = auth.0;
        let id = parse_id(&id.0, "id")?;
        let idem = IdemKey::new(
            caller.user_id,
            idempotency_key.0.as_deref(),
            "cancel_signup",
            id,
            "",
        )?;
        let ctx = self.state.ctx(caller).await?;
        let answer = self
            .state
            .write(&ctx, move |conn, ctx| {
                signups::cancel_mine(conn, ctx, id, idem.as_ref())
            })
            .await?;
        Ok(Json(answer))
    }

    /// The roster
    ///
    /// Who: organizer, admin. By role, registered then waitlisted in line
    /// order, with attendance. `format` `csv` or `xlsx` gives a spreadsheet
    /// with Chinese headers.
    #[oai(
        path = "/activities/:id/signups",
        method = "get",
        operation_id = "get_roster"
    )]
    async fn roster(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        format: Query<Option<RosterFormat>>,
    ) -> ApiResult<Formats<RosterResponse>> {
        let activity_id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let format = format.0.unwrap_or(RosterFormat::Json);
        let items = if format == RosterFormat::Json {
            self.state
                .read(&ctx, move |conn, ctx| {
                    let row = activities::load(conn, ctx.caller.committee_id, activity_id)?;
                    roster::entries(conn, row.id, ctx.tz)
                })
                .await?
        } else {
            self.state
                .write(&ctx, move |conn, ctx| {
                    roster::for_export(conn, ctx, activity_id)
                })
                .await?
        };
        let file = |ext: &str| format!("roster.{ext}");
        Ok(Formats(match format {
            RosterFormat::Json => RosterResponse::Json(Json(Roster { activity_id, items })),
            RosterFormat::Csv => RosterResponse::Csv(
                Attachment::new(roster::table(&items).to_csv()?)
                    .attachment_type(AttachmentType::Attachment)
                    .filename(file("csv")),
            ),
            RosterFormat::Xlsx => RosterResponse::Xlsx(
                Attachment::new(roster::table(&items).to_xlsx("报名名单")?)
                    .attachment_type(AttachmentType::Attachment)
                    .filename(file("xlsx")),
            ),
        }))
    }

    /// Add a member to the roster
    ///
    /// Who: organizer, admin. Ignores the sign-up window and audience; with
    /// `over_capacity` the member gets a place even when the slot is full.
    #[oai(
        path = "/activities/:id/roster",
        method = "post",
        operation_id = "add_to_roster"
    )]
    async fn roster_add(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<RosterAdd>,
    ) -> ApiResult<Json<SignupResult>> {
        let id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        Ok(Json(
            self.state
                .write(&ctx, move |conn, ctx| {
                    signups::add_by_office(conn, ctx, id, &body.0)
                })
                .await?,
        ))
    }

    /// Remove a member from the roster
    ///
    /// Who: organizer, admin. The place goes to the next in line.
    #[oai(
        path = "/activities/:id/roster/:member_id",
        method = "delete",
        operation_id = "remove_from_roster"
    )]
    async fn roster_remove(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        member_id: Path<String>,
    ) -> ApiResult<Json<SignupResult>> {
        Ok(Json(
            self.roster_change(auth.0, &id.0, &member_id.0, signups::remove_by_office)
                .await?,
        ))
    }

    /// Move a member off the waitlist
    ///
    /// Who: organizer, admin. Gives a place even when the slot is full.
    #[oai(
        path = "/activities/:id/roster/:member_id/promote",
        method = "post",
        operation_id = "promote_from_waitlist"
    )]
    async fn roster_promote(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        member_id: Path<String>,
    ) -> ApiResult<Json<SignupResult>> {
        Ok(Json(
            self.roster_change(auth.0, &id.0, &member_id.0, signups::promote_by_office)
                .await?,
        ))
    }

    /// The check-in code to show now
    ///
    /// Who: organizer, admin. Changes every `period_seconds`; show it as a QR code.
    #[oai(
        path = "/activities/:id/checkin-code",
        method = "get",
        operation_id = "get_checkin_code"
    )]
    async fn checkin_code(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
    ) -> ApiResult<Json<CheckinCode>> {
        let id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let row = self
            .state
            .read(&ctx, move |conn, ctx| {
                activities::load(conn, ctx.caller.committee_id, id)
            })
            .await?;
        Ok(Json(checkin::current_code(
            &row,
            ctx.now.and_utc(),
            ctx.tz,
        )?))
    }

    /// Check in with a scanned code
    ///
    /// Who: any signed-in account registered for the activity. Send an
    /// `Idempotency-Key` to make retries safe.
    #[oai(
        path = "/activities/:id/checkins",
        method = "post",
        operation_id = "check_in"
    )]
    async fn check_in(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        body: Json<CheckinRequest>,
    ) -> ApiResult<Json<CheckinResult>> {
        let caller = auth.0;
        let id = parse_id(&id.0, "id")?;
        let idem = IdemKey::new(
            caller.user_id,
            idempotency_key.0.as_deref(),
            "check_in",
            id,
            &body.0.code,
        )?;
        let ctx = self.state.ctx(caller).await?;
        let answer = self
            .state
            .write(&ctx, move |conn, ctx| {
                checkin::check_in(conn, ctx, id, &body.0.code, idem.as_ref())
            })
            .await?;
        Ok(Json(answer))
    }

    /// Mark attendance in bulk
    ///
    /// Who: organizer, admin. For registered members who could not scan.
    #[oai(
        path = "/activities/:id/attendance",
        method = "put",
        operation_id = "mark_attendance"
    )]
    async fn attendance(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<AttendanceUpdate>,
    ) -> ApiResult<Json<AttendanceResult>> {
        let id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let updated = self
            .state
            .write(&ctx, move |conn, ctx| {
                checkin::mark_attendance(conn, ctx, id, &body.0.entries)
            })
            .await?;
        Ok(Json(AttendanceResult { updated }))
    }

    /// Upload a course material
    ///
    /// Who: organizer, admin. A form with `title` and `file` (PDF, Word,
    /// PowerPoint, Excel, JPEG, PNG or MP4; 20 MB by default).
    #[oai(
        path = "/activities/:id/materials",
        method = "post",
        operation_id = "upload_material"
    )]
    async fn upload_material(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        form: FileUpload,
    ) -> ApiResult<FileCreated> {
        let id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let upload = form.receive().await?;
        let material = self
            .state
            .write(&ctx, move |conn, ctx| {
                materials::add_file(
                    conn,
                    ctx,
                    id,
                    &upload.title,
                    &upload.file_name,
                    upload.bytes,
                )
            })
            .await?;
        Ok(FileCreated::Created(Json(material)))
    }

    /// Remove a course material
    ///
    /// Who: organizer, admin.
    #[oai(
        path = "/activities/:id/materials/:material_id",
        method = "delete",
        operation_id = "remove_material"
    )]
    async fn remove_material(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        material_id: Path<String>,
    ) -> ApiResult<FileRemoved> {
        let id = parse_id(&id.0, "id")?;
        let material_id: MaterialId = parse_id(&material_id.0, "material_id")?;
        let ctx = self.state.ctx(auth.0).await?;
        self.state
            .write(&ctx, move |conn, ctx| {
                materials::remove(conn, ctx, id, material_id)
            })
            .await?;
        Ok(FileRemoved::NoContent)
    }

    /// Download an uploaded course material
    ///
    /// Who: any signed-in account that can see the activity.
    #[oai(
        path = "/materials/:id/file",
        method = "get",
        operation_id = "download_material"
    )]
    async fn material_file(
        &self,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<Attachment<Vec<u8>>> {
        let id = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let (row, content) = self
            .state
            .read(&ctx, move |conn, ctx| materials::file(conn, ctx, id))
            .await?;
        Ok(uploads::download(content, row.file_name))
    }

    /// My sign-ups
    ///
    /// Who: any signed-in account. Soonest first, with status and waitlist position.
    #[oai(
        path = "/me/activities",
        method = "get",
        operation_id = "my_activities"
    )]
    async fn mine(&self, auth: BearerAuth) -> ApiResult<Json<MyActivityList>> {
        let ctx = self.state.ctx(auth.0).await?;
        let items = self
            .state
            .read(&ctx, move |conn, ctx| {
                activities::my_summaries(conn, ctx.caller.user_id, ctx.tz)
            })
            .await?
            .into_iter()
            .map(|(activity, signup)| MyActivity { activity, signup })
            .collect();
        Ok(Json(MyActivityList { items }))
    }
}
