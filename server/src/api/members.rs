use std::sync::Arc;

use lvzhi_shared::ErrorCode;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::members::{
    ActivationCode, ActivationCodeList, ActivationCodesRequest, ImportReport, Member,
    MemberCreated, MemberPage, MemberPatch, MemberStatus, NewMember,
};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Attachment, AttachmentType, Binary};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiRequest, ApiResponse, Enum, Multipart, OpenApi};

use super::Json;
use super::formats::Formats;
use super::page_size::PageSize;
use super::{ApiTags, parse_id};
use crate::app::AppState;
use crate::auth::OfficeAuth;
use crate::db;
use crate::domain::accounts::import;
use crate::domain::accounts::members::{self, ListFilter};
use crate::domain::roster_files::{self, FileLimits};
use crate::error::{ApiResult, AppError};
use crate::export::Table;

pub struct MembersApi {
    pub state: Arc<AppState>,
}

#[derive(ApiResponse)]
enum Created {
    /// Created, pending activation; hand the code to the member.
    #[oai(status = 201)]
    Created(Json<MemberCreated>),
}

/// A roster file: a form upload (field `file`) or the raw file as the body.
#[derive(ApiRequest)]
enum RosterUpload {
    Form(RosterForm),
    /// The CSV or XLSX file itself (any content type).
    Raw(Binary<Vec<u8>>),
}

#[derive(Multipart)]
struct RosterForm {
    /// The CSV or XLSX file.
    file: Upload,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum CodesFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(ApiResponse)]
enum CodesResponse {
    /// The codes as JSON.
    #[oai(status = 200)]
    Json(Json<ActivationCodeList>),
    /// The codes as a CSV file (UTF-8, Chinese headers).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Attachment<Vec<u8>>),
    /// The codes as an Excel workbook (Chinese headers).
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<Vec<u8>>),
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum MembersFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(ApiResponse)]
enum MembersResponse {
    /// One page of members as JSON.
    #[oai(status = 200)]
    Json(Json<MemberPage>),
    /// Every matching member as a CSV file (UTF-8, Chinese headers).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Attachment<Vec<u8>>),
    /// Every matching member as an Excel workbook (Chinese headers).
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<Vec<u8>>),
}

#[OpenApi(tag = "ApiTags::Members")]
impl MembersApi {
    /// List the roster
    ///
    /// Who: organizer, admin. Filters by sector name, by text (name, phone,
    /// member number, workplace) and by status; pages with `cursor`.
    /// `format` `csv` or `xlsx` gives every matching member as a spreadsheet
    /// with Chinese headers (no paging), recorded in the audit log.
    #[oai(path = "/members", method = "get", operation_id = "list_members")]
    #[allow(clippy::too_many_arguments)] // one per query parameter of the operation
    async fn list(
        &self,
        auth: OfficeAuth,
        #[oai(validator(max_length = 100))] sector: Query<Option<String>>,
        #[oai(validator(max_length = 100))] q: Query<Option<String>>,
        status: Query<Option<MemberStatus>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<PageSize>>,
        format: Query<Option<MembersFormat>>,
    ) -> ApiResult<Formats<MembersResponse>> {
        let ctx = self.state.ctx(auth.0).await?;
        let filter = ListFilter {
            sector: sector.0,
            q: q.0,
            status: status.0,
            cursor: cursor.0,
            limit: PageSize::or_default(limit.0),
        };
        let format = format.0.unwrap_or(MembersFormat::Json);
        if format == MembersFormat::Json {
            let (rows, next_cursor) = self
                .state
                .read(&ctx, move |conn, ctx| {
                    members::list(conn, ctx.caller.committee_id, &filter)
                })
                .await?;
            return Ok(Formats(MembersResponse::Json(Json(MemberPage {
                items: rows
                    .into_iter()
                    .map(|r| members::to_member(r, ctx.tz))
                    .collect(),
                next_cursor,
            }))));
        }
        let all = self
            .state
            .write(&ctx, move |conn, ctx| {
                members::for_export(conn, ctx, &filter)
            })
            .await?;
        let table = members::table(&all);
        Ok(Formats(match format {
            MembersFormat::Csv => MembersResponse::Csv(
                Attachment::new(table.to_csv()?)
                    .attachment_type(AttachmentType::Attachment)
                    .filename("members.csv"),
            ),
            _ => MembersResponse::Xlsx(
                Attachment::new(table.to_xlsx("委员名单")?)
                    .attachment_type(AttachmentType::Attachment)
                    .filename("members.xlsx"),
            ),
        }))
    }

    /// Add a member
    ///
    /// Who: organizer (members only), admin (any role). The account starts
    /// pending; the answer holds its one-time activation code.
    #[oai(path = "/members", method = "post", operation_id = "create_member")]
    async fn create(&self, auth: OfficeAuth, body: Json<NewMember>) -> ApiResult<Created> {
        let ctx = self.state.ctx(auth.0).await?;
        let days = self.state.config.auth.activation_code_days;
        let (user, code) = self
            .state
            .write(&ctx, move |conn, ctx| {
                members::add(conn, ctx, &body.0, days)
            })
            .await?;
        let activation = members::to_activation_code(&user.0, code, ctx.tz);
        Ok(Created::Created(Json(MemberCreated {
            member: members::to_member(user, ctx.tz),
            activation,
        })))
    }

    /// One member
    ///
    /// Who: organizer, admin (of the member's committee).
    #[oai(path = "/members/:id", method = "get", operation_id = "get_member")]
    async fn get(&self, auth: OfficeAuth, id: Path<String>) -> ApiResult<Json<Member>> {
        let id: MemberId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let row = self
            .state
            .read(&ctx, move |conn, ctx| {
                members::get(conn, ctx.caller.committee_id, id)
            })
            .await?;
        Ok(Json(members::to_member(row, ctx.tz)))
    }

    /// Change a member
    ///
    /// Who: organizer (members only; not roles), admin. `status: disabled`
    /// ends the member's sessions at once; `active` switches the account back on.
    #[oai(
        path = "/members/:id",
        method = "patch",
        operation_id = "update_member"
    )]
    async fn patch(
        &self,
        auth: OfficeAuth,
        id: Path<String>,
        body: Json<MemberPatch>,
    ) -> ApiResult<Json<Member>> {
        let id: MemberId = parse_id(&id.0, "id")?;
        let ctx = self.state.ctx(auth.0).await?;
        let (row, status) = self
            .state
            .write(&ctx, move |conn, ctx| {
                members::patch(conn, ctx, id, &body.0)
            })
            .await?;
        if let Some(status) = status {
            self.state.auth.disabled.set(
                row.0.id,
                status == lvzhi_shared::members::MemberStatus::Disabled,
            );
        }
        Ok(Json(members::to_member(row, ctx.tz)))
    }

    /// Import the roster from CSV or XLSX
    ///
    /// Who: organizer, admin. Chinese or English headers; `name` and `phone`
    /// columns are required. Bad rows are reported with their row number; good
    /// rows are imported; running the same file again changes nothing.
    /// `dry_run=true` reports exactly what would happen without writing.
    #[oai(
        path = "/members/import",
        method = "post",
        operation_id = "import_members"
    )]
    async fn import(
        &self,
        auth: OfficeAuth,
        dry_run: Query<Option<bool>>,
        file: RosterUpload,
    ) -> ApiResult<Json<ImportReport>> {
        let ctx = self.state.ctx(auth.0).await?;
        let bytes = match file {
            RosterUpload::Form(form) => form.file.into_vec().await.map_err(|e| {
                AppError::new(
                    ErrorCode::InvalidBody,
                    format!("the upload cannot be read: {e}"),
                )
                .with_field("file")
            })?,
            RosterUpload::Raw(body) => body.0,
        };
        // The body, and so the file in it, is within the route's limit (api::body_limit).
        let rows = roster_files::read_file(&bytes, FileLimits::of(&self.state.config.limits))
            .map_err(AppError::from)?;
        let dry_run = dry_run.0.unwrap_or(false);
        let days = self.state.config.auth.activation_code_days;
        let row_count = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        let applied = self
            .state
            .read(&ctx, move |conn, ctx| {
                let work = |conn: &mut db::DbConnection| {
                    import::apply(conn, ctx.caller.committee_id, &rows, days, ctx.now)
                };
                if dry_run {
                    db::rehearse_tx(conn, work)
                } else {
                    db::write_tx(conn, work)
                }
            })
            .await?;
        let created = u32::try_from(applied.created.len()).unwrap_or(u32::MAX);
        let activation_codes = if dry_run {
            Vec::new()
        } else {
            applied
                .created
                .into_iter()
                .map(|(user, code)| members::to_activation_code(&user, code, ctx.tz))
                .collect()
        };
        Ok(Json(ImportReport {
            dry_run,
            rows: row_count,
            created,
            updated: applied.updated,
            unchanged: applied.unchanged,
            errors: applied.errors,
            activation_codes,
        }))
    }

    /// Issue fresh activation codes
    ///
    /// Who: organizer, admin. For the listed members, or every member not yet
    /// activated when the list is empty; earlier codes stop working. `format`
    /// `csv` or `xlsx` returns a file to print for the members.
    #[oai(
        path = "/members/activation-codes",
        method = "post",
        operation_id = "issue_activation_codes"
    )]
    async fn activation_codes(
        &self,
        auth: OfficeAuth,
        format: Query<Option<CodesFormat>>,
        body: Json<ActivationCodesRequest>,
    ) -> ApiResult<Formats<CodesResponse>> {
        let ctx = self.state.ctx(auth.0).await?;
        let ids = body.0.member_ids;
        let days = self.state.config.auth.activation_code_days;
        let issued = self
            .state
            .write(&ctx, move |conn, ctx| {
                members::issue_activation_codes(conn, ctx, &ids, days)
            })
            .await?;
        let items: Vec<ActivationCode> = issued
            .into_iter()
            .map(|(u, c)| members::to_activation_code(&u, c, ctx.tz))
            .collect();
        let table = || Table {
            headers: vec!["委员编号", "姓名", "手机号码", "激活码", "有效期至"],
            rows: items
                .iter()
                .map(|c| {
                    vec![
                        c.member_no.clone().unwrap_or_default(),
                        c.name.clone(),
                        c.phone.clone(),
                        c.code.clone(),
                        c.expires_at.format("%Y-%m-%d %H:%M").to_string(),
                    ]
                })
                .collect(),
        };
        Ok(Formats(match format.0.unwrap_or(CodesFormat::Json) {
            CodesFormat::Json => CodesResponse::Json(Json(ActivationCodeList { items })),
            CodesFormat::Csv => CodesResponse::Csv(
                Attachment::new(table().to_csv()?)
                    .attachment_type(AttachmentType::Attachment)
                    .filename("activation-codes.csv"),
            ),
            CodesFormat::Xlsx => CodesResponse::Xlsx(
                Attachment::new(table().to_xlsx("激活码")?)
                    .attachment_type(AttachmentType::Attachment)
                    .filename("activation-codes.xlsx"),
            ),
        }))
    }
}
