//! Public-opinion reports: the member's drafts, co-signing and attachments;
//! the office's queue, decisions, versions, merges, numbered issues,
//! forwarding and outcomes; the year's figures.

use std::sync::Arc;

use lvzhi_shared::ids::{MaterialId, ReportId, ReportIssueId};
use lvzhi_shared::reports::{
    AdoptionInput, CosignInput, ForwardInput, InstructionInput, MergeInput, NewReport,
    NewReportIssue, ReplyInput, Report, ReportDecision, ReportDetail, ReportFigures, ReportIssue,
    ReportIssueList, ReportPage, ReportPatch, ReportStatus, ReportVersionList,
};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Attachment, AttachmentType};
use poem_openapi::{ApiResponse, Enum, OpenApi};

use super::formats::Formats;
use super::page_size::PageSize;
use super::uploads::{self, FileCreated, FileRemoved, FileUpload};
use super::{ApiTags, Json, parse_id};
use crate::app::AppState;
use crate::auth::{BearerAuth, Caller, OfficeAuth};
use crate::domain::Ctx;
use crate::domain::committees;
use crate::domain::idempotency::IdemKey;
use crate::domain::reports::forwarding::{self, Outcome};
use crate::domain::reports::review::{self, Decision};
use crate::domain::reports::views::{self, QueueFilter};
use crate::domain::reports::{attachments, drafts, figures, issues};
use crate::error::{ApiResult, AppError};

pub struct ReportsApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum ReportCreated {
    /// A draft: only its author sees it until it is submitted.
    #[oai(status = 201)]
    Created(Json<Report>),
}

#[derive(ApiResponse)]
enum IssueCreated {
    #[oai(status = 201)]
    Created(Json<ReportIssue>),
}

#[derive(ApiResponse)]
enum IssueDocument {
    /// The issue as a Word document ready for print.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )]
    Docx(Attachment<Vec<u8>>),
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum FiguresFormat {
    Json,
    Xlsx,
}

#[derive(ApiResponse)]
enum FiguresResponse {
    #[oai(status = 200)]
    Json(Json<ReportFigures>),
    /// Three sheets: by member, by sector, by level (Chinese headers).
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<Vec<u8>>),
}

impl ReportsApi {
    /// Runs `step` on the report, then answers with it as the caller sees it.
    async fn act<F>(&self, caller: Caller, id: &str, step: F) -> ApiResult<Json<Report>>
    where
        F: FnOnce(&mut crate::db::DbConnection, &Ctx, ReportId) -> Result<(), AppError>
            + Send
            + 'static,
    {
        let id: ReportId = parse_id(id, "id")?;
        let ctx = self.state.ctx(caller).await?;
        let report = self
            .state
            .write(&ctx, move |conn, ctx| {
                step(conn, ctx, id)?;
                views::view(conn, ctx, id)
            })
            .await?;
        Ok(Json(report))
    }

    async fn decide(
        &self,
        caller: Caller,
        id: &str,
        decision: Decision,
        body: ReportDecision,
    ) -> ApiResult<Json<Report>> {
        self.act(caller, id, move |conn, ctx, id| {
            review::decide(conn, ctx, id, decision, body.comment.as_deref())
        })
        .await
    }

    async fn outcome(
        &self,
        caller: Caller,
        id: &str,
        outcome: OwnedOutcome,
    ) -> ApiResult<Json<Report>> {
        self.act(caller, id, move |conn, ctx, id| {
            let outcome = match &outcome {
                OwnedOutcome::Adoption(a) => Outcome::Adoption(a),
                OwnedOutcome::Instruction(i) => Outcome::Instruction(i),
                OwnedOutcome::Reply(r) => Outcome::Reply(r),
            };
            forwarding::record_outcome(conn, ctx, id, &outcome)
        })
        .await
    }
}

enum OwnedOutcome {
    Adoption(AdoptionInput),
    Instruction(InstructionInput),
    Reply(ReplyInput),
}

#[OpenApi(tag = "ApiTags::Reports")]
impl ReportsApi {
    /// Write a report
    ///
    /// Who: any signed-in account. A draft with title, body (at most the
    /// committee's limit, 1,500 characters unless it set another), category
    /// and co-signers (other members of the committee; each is asked to
    /// confirm once the report is submitted). Send an `Idempotency-Key` so a
    /// retry makes no second draft.
    #[oai(path = "/reports", method = "post", operation_id = "create_report")]
    async fn create(
        &self,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        body: Json<NewReport>,
    ) -> ApiResult<ReportCreated> {
        let caller = auth.0;
        let request = serde_json::to_string(&body.0).map_err(AppError::internal)?;
        let idem = IdemKey::new(
            caller.user_id,
            idempotency_key.0.as_deref(),
            "create_report",
            "",
            &request,
        )?;
        let ctx = self.state.ctx(caller).await?;
        let report = self
            .state
            .write(&ctx, move |conn, ctx| {
                let id = drafts::create(conn, ctx, &body.0, idem.as_ref())?;
                views::view(conn, ctx, id)
            })
            .await?;
        Ok(ReportCreated::Created(Json(report)))
    }

    /// My reports
    ///
    /// Who: any signed-in account. Reports I wrote (drafts too) or am named
    /// on as co-signer, newest first.
    #[oai(path = "/me/reports", method = "get", operation_id = "my_reports")]
    async fn mine(
        &self,
        auth: BearerAuth,
        cursor: Query<Option<String>>,
        limit: Query<Option<PageSize>>,
    ) -> ApiResult<Json<ReportPage>> {
        let ctx = self.state.ctx(auth.0).await?;
        let limit = PageSize::or_default(limit.0) as usize;
        let page = self
            .state
            .read(&ctx, move |conn, ctx| {
                views::mine(conn, ctx, cursor.0.as_deref(), limit)
            })
            .await?;
        Ok(Json(page))
    }

    /// The report queue
    ///
    /// Who: organizer, admin. The committee's reports (never members'
    /// drafts), newest first; `status=submitted` is what waits for a
    /// decision, `incoming=true` only copies forwarded from committees below.
    #[oai(path = "/reports", method = "get", operation_id = "list_reports")]
    async fn queue(
        &self,
        auth: OfficeAuth,
        status: Query<Option<ReportStatus>>,
        incoming: Query<Option<bool>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<PageSize>>,
    ) -> ApiResult<Json<ReportPage>> {
        let ctx = self.state.ctx(auth.0).await?;
        let filter = QueueFilter {
            status: status.0,
            incoming: incoming.0.unwrap_or(false),
        };
        let limit = PageSize::or_default(limit.0) as usize;
        let page = self
            .state
            .read(&ctx, move |conn, ctx| {
                views::queue(conn, ctx, &filter, cursor.0.as_deref(), limit)
            })
            .await?;
        Ok(Json(page))
    }

    /// A report and its timeline
    ///
    /// Who: its author and co-signers (the whole way, up to adoption and
    /// 批示), the office of the committee whose queue holds it (what
    /// happened there and upward from it).
    #[oai(path = "/reports/:id", method = "get", operation_id = "get_report")]
    async fn get(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Json<ReportDetail>> {
        let id: ReportId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let detail = self
            .state
            .read(&ctx, move |conn, ctx| views::detail(conn, ctx, id))
            .await?;
        Ok(Json(detail))
    }

    /// Change a report
    ///
    /// Who: the author, while it is a draft or returned (title, body,
    /// category, co-signers); the office, while it is submitted or accepted
    /// and not yet forwarded (title, body, category, with a `note`): each
    /// office edit is a new version, and the author sees the new text.
    #[oai(
        path = "/reports/:id",
        method = "patch",
        operation_id = "update_report"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<ReportPatch>,
    ) -> ApiResult<Json<Report>> {
        self.act(auth.0, &id.0, move |conn, ctx, id| {
            drafts::patch(conn, ctx, id, &body.0)
        })
        .await
    }

    /// Submit a report
    ///
    /// Who: its author. A draft or a returned report goes to the office;
    /// co-signers who have not confirmed are asked to. Submitting again
    /// changes nothing, so a retry is safe.
    #[oai(
        path = "/reports/:id/submit",
        method = "post",
        operation_id = "submit_report"
    )]
    async fn submit(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Json<Report>> {
        self.act(auth.0, &id.0, drafts::submit).await
    }

    /// Withdraw a report
    ///
    /// Who: its author, before the office decided.
    #[oai(
        path = "/reports/:id/withdraw",
        method = "post",
        operation_id = "withdraw_report"
    )]
    async fn withdraw(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Json<Report>> {
        self.act(auth.0, &id.0, drafts::withdraw).await
    }

    /// Confirm or decline co-signing
    ///
    /// Who: a member named as co-signer (for anyone else there is no such
    /// invitation: `not_found`). Only
    /// confirmed co-signers are credited; declining takes one's name off.
    #[oai(
        path = "/reports/:id/cosign",
        method = "post",
        operation_id = "cosign_report"
    )]
    async fn cosign(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<CosignInput>,
    ) -> ApiResult<Json<Report>> {
        let confirm = body.0.confirm;
        if confirm {
            return self
                .act(auth.0, &id.0, move |conn, ctx, id| {
                    drafts::cosign(conn, ctx, id, true)
                })
                .await;
        }
        // Declining takes one's name off, and with it the right to see the
        // report: the answer is the report as it was read just before,
        // without the decliner.
        let id: ReportId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let report = self
            .state
            .write(&ctx, move |conn, ctx| {
                let mut report = views::view(conn, ctx, id)?;
                drafts::cosign(conn, ctx, id, false)?;
                report.credits.retain(|c| c.member_id != ctx.caller.user_id);
                Ok(report)
            })
            .await?;
        Ok(Json(report))
    }

    /// Attach a file to a report
    ///
    /// Who: its author, while it is a draft or returned. A form with `title`
    /// and `file` (a photo, PDF or Office document, checked by content; 20
    /// MB by default; at most 20 per report).
    #[oai(
        path = "/reports/:id/attachments",
        method = "post",
        operation_id = "attach_to_report"
    )]
    async fn attach(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        form: FileUpload,
    ) -> ApiResult<FileCreated> {
        let id: ReportId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let upload = form.receive().await?;
        let attachment = self
            .state
            .write(&ctx, move |conn, ctx| {
                attachments::add(
                    conn,
                    ctx,
                    id,
                    &upload.title,
                    &upload.file_name,
                    upload.bytes,
                )
            })
            .await?;
        Ok(FileCreated::Created(Json(attachment)))
    }

    /// Remove an attachment
    ///
    /// Who: the report's author, while it is a draft or returned.
    #[oai(
        path = "/reports/:id/attachments/:attachment_id",
        method = "delete",
        operation_id = "remove_report_attachment"
    )]
    async fn remove_attachment(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        attachment_id: Path<String>,
    ) -> ApiResult<FileRemoved> {
        let id: ReportId = parse_id(&id.0, "id")?;
        let attachment_id: MaterialId = parse_id(&attachment_id.0, "attachment_id")?;
        let ctx = self.state.ctx(auth.0).await?;
        self.state
            .write(&ctx, move |conn, ctx| {
                attachments::remove(conn, ctx, id, attachment_id)
            })
            .await?;
        Ok(FileRemoved::NoContent)
    }

    /// Download an attachment
    ///
    /// Who: whoever may see the report.
    #[oai(
        path = "/reports/:id/attachments/:attachment_id/file",
        method = "get",
        operation_id = "download_report_attachment"
    )]
    async fn download(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        attachment_id: Path<String>,
    ) -> ApiResult<Attachment<Vec<u8>>> {
        let id: ReportId = parse_id(&id.0, "id")?;
        let attachment_id: MaterialId = parse_id(&attachment_id.0, "attachment_id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let (row, content) = self
            .state
            .read(&ctx, move |conn, ctx| {
                attachments::file(conn, ctx, id, attachment_id)
            })
            .await?;
        Ok(uploads::download(content, Some(row.file_name)))
    }

    /// A report's versions
    ///
    /// Who: organizer, admin. Every submitted text and every edit of the
    /// office, oldest first, with who and why.
    #[oai(
        path = "/reports/:id/versions",
        method = "get",
        operation_id = "list_report_versions"
    )]
    async fn versions(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
    ) -> ApiResult<Json<ReportVersionList>> {
        let id: ReportId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let items = self
            .state
            .read(&ctx, move |conn, ctx| views::versions(conn, ctx, id))
            .await?;
        Ok(Json(ReportVersionList { items }))
    }

    /// Accept a report
    ///
    /// Who: organizer, admin. A submitted report (or a copy forwarded from
    /// below) is taken up; an optional comment.
    #[oai(
        path = "/reports/:id/accept",
        method = "post",
        operation_id = "accept_report"
    )]
    async fn accept(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<ReportDecision>,
    ) -> ApiResult<Json<Report>> {
        self.decide(auth.0, &id.0, Decision::Accept, body.0).await
    }

    /// Return a report for changes
    ///
    /// Who: organizer, admin. With a `comment` the author reads; they edit
    /// and submit again. Not for copies forwarded from below.
    #[oai(
        path = "/reports/:id/return",
        method = "post",
        operation_id = "return_report"
    )]
    async fn return_report(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<ReportDecision>,
    ) -> ApiResult<Json<Report>> {
        self.decide(auth.0, &id.0, Decision::Return, body.0).await
    }

    /// Reject a report
    ///
    /// Who: organizer, admin. With a `comment`: the reason, which the author reads.
    #[oai(
        path = "/reports/:id/reject",
        method = "post",
        operation_id = "reject_report"
    )]
    async fn reject(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<ReportDecision>,
    ) -> ApiResult<Json<Report>> {
        self.decide(auth.0, &id.0, Decision::Reject, body.0).await
    }

    /// Merge reports into one
    ///
    /// Who: organizer, admin. Two or more accepted reports of the
    /// committee's own members, not yet printed or forwarded, become one
    /// accepted report with the text given, credited to everyone credited
    /// on them (the first one's author first). The merged ones stay,
    /// marked `merged`.
    #[oai(
        path = "/reports/merge",
        method = "post",
        operation_id = "merge_reports"
    )]
    async fn merge(&self, auth: OfficeAuth, body: Json<MergeInput>) -> ApiResult<ReportCreated> {
        let ctx = self.state.ctx(auth.0).await?;
        let report = self
            .state
            .write(&ctx, move |conn, ctx| {
                let id = review::merge(conn, ctx, &body.0)?;
                views::view(conn, ctx, id)
            })
            .await?;
        Ok(ReportCreated::Created(Json(report)))
    }

    /// Forward a report
    ///
    /// Who: organizer, admin. An accepted report goes to the parent
    /// committee (`parent`: a copy lands in its queue for its own decision)
    /// or to an outside body by name (`outside`). Each destination once
    /// (`already_forwarded`).
    #[oai(
        path = "/reports/:id/forward",
        method = "post",
        operation_id = "forward_report"
    )]
    async fn forward(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<ForwardInput>,
    ) -> ApiResult<Json<Report>> {
        self.act(auth.0, &id.0, move |conn, ctx, id| {
            forwarding::forward(conn, ctx, id, &body.0)
        })
        .await
    }

    /// Record an adoption
    ///
    /// Who: organizer, admin. On a report this committee forwarded
    /// (`not_forwarded` before): the level, the day, who adopted it. The
    /// same adoption again is recorded once.
    #[oai(
        path = "/reports/:id/adoptions",
        method = "post",
        operation_id = "record_report_adoption"
    )]
    async fn adopt(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<AdoptionInput>,
    ) -> ApiResult<Json<Report>> {
        self.outcome(auth.0, &id.0, OwnedOutcome::Adoption(body.0))
            .await
    }

    /// Record a leader's instruction (批示)
    ///
    /// Who: organizer, admin. On a forwarded report adopted somewhere along
    /// its way (`not_adopted` before).
    #[oai(
        path = "/reports/:id/instructions",
        method = "post",
        operation_id = "record_report_instruction"
    )]
    async fn instruct(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<InstructionInput>,
    ) -> ApiResult<Json<Report>> {
        self.outcome(auth.0, &id.0, OwnedOutcome::Instruction(body.0))
            .await
    }

    /// Record a department's reply (办复)
    ///
    /// Who: organizer, admin. On a report this committee forwarded.
    #[oai(
        path = "/reports/:id/replies",
        method = "post",
        operation_id = "record_report_reply"
    )]
    async fn reply(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<ReplyInput>,
    ) -> ApiResult<Json<Report>> {
        self.outcome(auth.0, &id.0, OwnedOutcome::Reply(body.0))
            .await
    }

    /// Compile an issue
    ///
    /// Who: organizer, admin. Accepted reports, in print order, become the
    /// committee's next numbered issue of the year `issued_on` falls in
    /// (《社情民意》2026年第N期). A report goes into one issue.
    #[oai(
        path = "/report-issues",
        method = "post",
        operation_id = "create_report_issue"
    )]
    async fn compile(
        &self,
        auth: OfficeAuth,
        body: Json<NewReportIssue>,
    ) -> ApiResult<IssueCreated> {
        let ctx = self.state.ctx(auth.0).await?;
        let issue = self
            .state
            .write(&ctx, move |conn, ctx| {
                let id = issues::compile(conn, ctx, &body.0)?;
                issues::get(conn, ctx, id)
            })
            .await?;
        Ok(IssueCreated::Created(Json(issue)))
    }

    /// A year's issues
    ///
    /// Who: organizer, admin. Newest first; `year` defaults to this one.
    #[oai(
        path = "/report-issues",
        method = "get",
        operation_id = "list_report_issues"
    )]
    async fn list_issues(
        &self,
        auth: OfficeAuth,
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))] year: Query<
            Option<i32>,
        >,
    ) -> ApiResult<Json<ReportIssueList>> {
        let ctx = self.state.ctx(auth.0).await?;
        let year = year
            .0
            .unwrap_or_else(|| committees::current_year(ctx.now.and_utc(), ctx.tz));
        let items = self
            .state
            .read(&ctx, move |conn, ctx| issues::list(conn, ctx, year))
            .await?;
        Ok(Json(ReportIssueList { items }))
    }

    /// An issue
    ///
    /// Who: organizer, admin.
    #[oai(
        path = "/report-issues/:id",
        method = "get",
        operation_id = "get_report_issue"
    )]
    async fn get_issue(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<Json<ReportIssue>> {
        let id: ReportIssueId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let issue = self
            .state
            .read(&ctx, move |conn, ctx| issues::get(conn, ctx, id))
            .await?;
        Ok(Json(issue))
    }

    /// An issue as a Word document
    ///
    /// Who: organizer, admin. Red masthead, the table of contents, each
    /// report on its own page with who reflected it; Chinese fonts named
    /// (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312).
    #[oai(
        path = "/report-issues/:id/document",
        method = "get",
        operation_id = "get_report_issue_document"
    )]
    async fn issue_document(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<IssueDocument> {
        let id: ReportIssueId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let (bytes, name) = self
            .state
            .read(&ctx, move |conn, ctx| issues::docx(conn, ctx, id))
            .await?;
        Ok(IssueDocument::Docx(
            Attachment::new(bytes)
                .attachment_type(AttachmentType::Attachment)
                .filename(name),
        ))
    }

    /// The year's report figures
    ///
    /// Who: organizer, admin. Reports that reached the queue in `year`
    /// (default: this one), counted by member credited (author and
    /// confirmed co-signers), by sector (once per report) and by the highest
    /// level that adopted them; `format=xlsx` as a workbook.
    #[oai(
        path = "/report-figures",
        method = "get",
        operation_id = "report_figures"
    )]
    async fn figures(
        &self,
        auth: OfficeAuth,
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))] year: Query<
            Option<i32>,
        >,
        format: Query<Option<FiguresFormat>>,
    ) -> ApiResult<Formats<FiguresResponse>> {
        let ctx = self.state.ctx(auth.0).await?;
        let year = year
            .0
            .unwrap_or_else(|| committees::current_year(ctx.now.and_utc(), ctx.tz));
        let f = self
            .state
            .read(&ctx, move |conn, ctx| figures::of_year(conn, ctx, year))
            .await?;
        Ok(Formats(match format.0.unwrap_or(FiguresFormat::Json) {
            FiguresFormat::Json => FiguresResponse::Json(Json(f)),
            FiguresFormat::Xlsx => FiguresResponse::Xlsx(
                Attachment::new(figures::to_xlsx(&f)?)
                    .attachment_type(AttachmentType::Attachment)
                    .filename(format!("report-figures-{year}.xlsx")),
            ),
        }))
    }
}
