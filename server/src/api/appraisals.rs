//! Democratic appraisal: rounds, the secret ballot, results, rectifications.

use std::sync::Arc;

use lvzhi_shared::ids::{AppraisalId, MeetingId, RectificationId};
use lvzhi_shared::meetings::{
    Appraisal, AppraisalList, AppraisalResults, BallotReceipt, NewAppraisal, NewBallot,
    NewRectification, ReceiptCheck, Rectification, RectificationList, RectificationUpdate,
};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Attachment, AttachmentType};
use poem_openapi::{ApiResponse, Enum, OpenApi};

use super::Json;
use super::formats::Formats;
use super::{ApiTags, parse_id};
use crate::app::AppState;
use crate::auth::{BearerAuth, OfficeAuth};
use crate::domain::meetings::{appraisals, ballots, rectifications};
use crate::error::ApiResult;

pub struct AppraisalsApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum AppraisalCreated {
    /// Created as a draft; opening it starts the vote.
    #[oai(status = 201)]
    Created(Json<Appraisal>),
}

#[derive(ApiResponse)]
enum BallotCast {
    /// In the box. Keep the receipt: it is shown once, and only its holder
    /// can check that the ballot was counted.
    #[oai(status = 201)]
    Created(Json<BallotReceipt>),
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum ResultsFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(ApiResponse)]
enum ResultsResponse {
    /// The results as JSON.
    #[oai(status = 200)]
    Json(Json<AppraisalResults>),
    /// The results as a CSV file (UTF-8, Chinese headers).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Attachment<Vec<u8>>),
    /// The results as an Excel workbook (Chinese headers).
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<Vec<u8>>),
}

#[derive(ApiResponse)]
enum RectificationCreated {
    #[oai(status = 201)]
    Created(Json<Rectification>),
}

#[OpenApi(tag = "ApiTags::Appraisals")]
impl AppraisalsApi {
    /// Set up an appraisal round
    ///
    /// Who: organizer, admin. At a meeting, with the departments appraised
    /// in the ballot's order; the electorate is the members checked in at
    /// the meeting (default) or the body's voting members.
    #[oai(
        path = "/appraisals",
        method = "post",
        operation_id = "create_appraisal"
    )]
    async fn create(
        &self,
        auth: OfficeAuth,
        body: Json<NewAppraisal>,
    ) -> ApiResult<AppraisalCreated> {
        let ctx = self.state.ctx(auth.0).await?;
        let created = self
            .state
            .write(&ctx, move |conn, ctx| {
                appraisals::create(conn, ctx, &body.0)
            })
            .await?;
        Ok(AppraisalCreated::Created(Json(created)))
    }

    /// Appraisal rounds
    ///
    /// Who: any signed-in account. Newest first; `meeting_id` filters. Each
    /// says whether the caller may vote and has voted.
    #[oai(path = "/appraisals", method = "get", operation_id = "list_appraisals")]
    async fn list(
        &self,
        auth: BearerAuth,
        meeting_id: Query<Option<String>>,
    ) -> ApiResult<Json<AppraisalList>> {
        let meeting: Option<MeetingId> = match meeting_id.0.as_deref() {
            Some(raw) => Some(parse_id(raw, "meeting_id")?),
            None => None,
        };
        let ctx = self.state.ctx(auth.0).await?;
        let items = self
            .state
            .read(&ctx, move |conn, ctx| appraisals::list(conn, ctx, meeting))
            .await?;
        Ok(Json(AppraisalList { items }))
    }

    /// One appraisal round
    ///
    /// Who: any signed-in account.
    #[oai(
        path = "/appraisals/:id",
        method = "get",
        operation_id = "get_appraisal"
    )]
    async fn get(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Json<Appraisal>> {
        let id: AppraisalId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let round = self
            .state
            .read(&ctx, move |conn, ctx| appraisals::view(conn, ctx, id))
            .await?;
        Ok(Json(round))
    }

    /// Open a round for voting
    ///
    /// Who: organizer, admin. The meeting must be published.
    #[oai(
        path = "/appraisals/:id/open",
        method = "post",
        operation_id = "open_appraisal"
    )]
    async fn open(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<Json<Appraisal>> {
        let id: AppraisalId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let round = self
            .state
            .write(&ctx, move |conn, ctx| appraisals::open(conn, ctx, id))
            .await?;
        Ok(Json(round))
    }

    /// Close a round
    ///
    /// Who: organizer, admin. `closed` when more than half of the eligible
    /// voted, `invalid` otherwise; a second close is `appraisal_closed`.
    #[oai(
        path = "/appraisals/:id/close",
        method = "post",
        operation_id = "close_appraisal"
    )]
    async fn close(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<Json<Appraisal>> {
        let id: AppraisalId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let round = self
            .state
            .write(&ctx, move |conn, ctx| appraisals::close(conn, ctx, id))
            .await?;
        Ok(Json(round))
    }

    /// Cast a ballot
    ///
    /// Who: an eligible member, once per round from any phone
    /// (`already_voted` after). One answer per department. The ballot is
    /// stored apart from who voted and says nothing of who or when; a retry
    /// after a lost answer finds `already_voted` (no Idempotency-Key: the
    /// stored answer would link the receipt to the voter).
    #[oai(
        path = "/appraisals/:id/ballots",
        method = "post",
        operation_id = "cast_ballot"
    )]
    async fn cast(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<NewBallot>,
    ) -> ApiResult<BallotCast> {
        let id: AppraisalId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let job = ballots::BallotJob {
            voter: ctx.caller.user_id,
            ballot: body.0,
        };
        let receipt = self
            .state
            .ballots
            .submit((ctx.caller.committee_id, id), job)
            .await?;
        Ok(BallotCast::Created(Json(receipt)))
    }

    /// Check a receipt
    ///
    /// Who: any signed-in account. Whether the ballot with this receipt is
    /// in the round's box.
    #[oai(
        path = "/appraisals/:id/ballots/:receipt",
        method = "get",
        operation_id = "check_ballot_receipt"
    )]
    async fn check_receipt(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        receipt: Path<String>,
    ) -> ApiResult<Json<ReceiptCheck>> {
        let id: AppraisalId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let receipt = receipt.0;
        let check = self
            .state
            .read(&ctx, move |conn, ctx| {
                ballots::check_receipt(conn, ctx, id, &receipt)
            })
            .await?;
        Ok(Json(check))
    }

    /// A round's results
    ///
    /// Who: any signed-in account, once the round is closed
    /// (`results_not_ready` before, for everyone). Per department: the
    /// answers, the satisfaction rate and the rank (ties share one).
    /// `format` `csv` or `xlsx` gives a spreadsheet with Chinese headers.
    #[oai(
        path = "/appraisals/:id/results",
        method = "get",
        operation_id = "get_appraisal_results"
    )]
    async fn results(
        &self,
        auth: BearerAuth,
        id: Path<String>,
        format: Query<Option<ResultsFormat>>,
    ) -> ApiResult<Formats<ResultsResponse>> {
        let id: AppraisalId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let results = self
            .state
            .read(&ctx, move |conn, ctx| appraisals::results(conn, ctx, id))
            .await?;
        let file = |ext: &str| format!("appraisal-results.{ext}");
        Ok(Formats(match format.0.unwrap_or(ResultsFormat::Json) {
            ResultsFormat::Json => ResultsResponse::Json(Json(results)),
            ResultsFormat::Csv => ResultsResponse::Csv(
                Attachment::new(appraisals::results_table(&results).to_csv()?)
                    .attachment_type(AttachmentType::Attachment)
                    .filename(file("csv")),
            ),
            ResultsFormat::Xlsx => ResultsResponse::Xlsx(
                Attachment::new(appraisals::results_table(&results).to_xlsx("民主评议结果")?)
                    .attachment_type(AttachmentType::Attachment)
                    .filename(file("xlsx")),
            ),
        }))
    }

    /// Add a rectification item
    ///
    /// Who: organizer, admin. For a department of a closed, valid round.
    #[oai(
        path = "/rectifications",
        method = "post",
        operation_id = "create_rectification"
    )]
    async fn create_rectification(
        &self,
        auth: OfficeAuth,
        body: Json<NewRectification>,
    ) -> ApiResult<RectificationCreated> {
        let ctx = self.state.ctx(auth.0).await?;
        let item = self
            .state
            .write(&ctx, move |conn, ctx| {
                rectifications::create(conn, ctx, &body.0)
            })
            .await?;
        Ok(RectificationCreated::Created(Json(item)))
    }

    /// A round's rectification items
    ///
    /// Who: any signed-in account. By due date.
    #[oai(
        path = "/rectifications",
        method = "get",
        operation_id = "list_rectifications"
    )]
    async fn list_rectifications(
        &self,
        auth: BearerAuth,
        appraisal_id: Query<String>,
    ) -> ApiResult<Json<RectificationList>> {
        let id: AppraisalId = parse_id(&appraisal_id.0, "appraisal_id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let items = self
            .state
            .read(&ctx, move |conn, ctx| rectifications::list(conn, ctx, id))
            .await?;
        Ok(Json(RectificationList { items }))
    }

    /// Follow up a rectification item
    ///
    /// Who: organizer, admin. A new status, a dated note, or both.
    #[oai(
        path = "/rectifications/:id",
        method = "patch",
        operation_id = "update_rectification"
    )]
    async fn update_rectification(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<RectificationUpdate>,
    ) -> ApiResult<Json<Rectification>> {
        let id: RectificationId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let item = self
            .state
            .write(&ctx, move |conn, ctx| {
                rectifications::update(conn, ctx, id, &body.0)
            })
            .await?;
        Ok(Json(item))
    }
}
