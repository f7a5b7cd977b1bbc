//! A member's public-opinion reports (社情民意): write and change a draft,
//! submit it (safe to repeat), withdraw it, confirm or decline co-signing,
//! and follow each report's timeline up to adoption and 批示.

use lvzhi_shared::activities::Material;
use lvzhi_shared::ids::{MaterialId, ReportId};
use lvzhi_shared::reports::{
    self as contract, CosignInput, NewReport, Report, ReportDetail, ReportPage, ReportPatch,
};
use reqwest::Method;

use super::client::{Call, Client};
use super::error::Error;

impl Client {
    /// Saves a new draft. The same `idempotency_key` on a retry answers
    /// with the draft made the first time.
    pub async fn create_report(
        &self,
        report: &NewReport,
        idempotency_key: String,
    ) -> Result<Report, Error> {
        // Refused here, with the server's code and field, before a round trip.
        contract::title(&report.title)?;
        let call = Call::new(Method::POST, "/reports")
            .json(report)?
            .idempotent(idempotency_key);
        self.authed(call).await
    }

    /// Changes my draft or returned report (only the fields given).
    pub async fn update_report(&self, id: ReportId, patch: &ReportPatch) -> Result<Report, Error> {
        let call = Call::new(Method::PATCH, format!("/reports/{id}")).json(patch)?;
        self.authed(call).await
    }

    /// Sends my draft (or returned report) to the office; repeating it is harmless.
    pub async fn submit_report(&self, id: ReportId) -> Result<Report, Error> {
        self.authed(Call::new(Method::POST, format!("/reports/{id}/submit")))
            .await
    }

    /// Takes my report back before the office decided.
    pub async fn withdraw_report(&self, id: ReportId) -> Result<Report, Error> {
        self.authed(Call::new(Method::POST, format!("/reports/{id}/withdraw")))
            .await
    }

    /// Confirms (or declines) being named as co-signer.
    pub async fn cosign_report(&self, id: ReportId, confirm: bool) -> Result<Report, Error> {
        let call = Call::new(Method::POST, format!("/reports/{id}/cosign"))
            .json(&CosignInput { confirm })?;
        self.authed(call).await
    }

    /// Reports I wrote or am named on, newest first; `cursor` continues a page.
    pub async fn my_reports(&self, cursor: Option<&str>) -> Result<ReportPage, Error> {
        let path = match cursor {
            Some(c) => {
                let mut q = url::form_urlencoded::Serializer::new(String::new());
                q.append_pair("cursor", c);
                format!("/me/reports?{}", q.finish())
            }
            None => "/me/reports".to_owned(),
        };
        self.authed(Call::new(Method::GET, path)).await
    }

    /// Attaches a photo or document to my draft (or returned report).
    pub async fn attach_to_report(
        &self,
        id: ReportId,
        title: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<Material, Error> {
        let call = Call::new(Method::POST, format!("/reports/{id}/attachments"))
            .file(title, file_name, bytes);
        self.authed(call).await
    }

    /// Takes an attachment off my draft (or returned report).
    pub async fn remove_report_attachment(
        &self,
        id: ReportId,
        attachment_id: MaterialId,
    ) -> Result<(), Error> {
        self.authed_empty(Call::new(
            Method::DELETE,
            format!("/reports/{id}/attachments/{attachment_id}"),
        ))
        .await
    }

    /// A report with its whole timeline.
    pub async fn report(&self, id: ReportId) -> Result<ReportDetail, Error> {
        self.authed(Call::new(Method::GET, format!("/reports/{id}")))
            .await
    }
}
