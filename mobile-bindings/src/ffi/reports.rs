//! `LvzhiClient`'s opinion-report flows (the same object as `client.rs`;
//! uniffi merges the export blocks).

use lvzhi_shared::activities::Material;
use lvzhi_shared::ids::MemberId;
use lvzhi_shared::reports::{
    NewReport, Report, ReportCategory, ReportDetail, ReportPage, ReportPatch,
};

use super::client::{LvzhiClient, Result, id, run};
use crate::core;

#[uniffi::export(async_runtime = "tokio")]
impl LvzhiClient {
    /// Saves a new draft report with co-signers (member ids). Pass the same
    /// `idempotency_key` when retrying.
    pub async fn create_report(
        &self,
        title: String,
        body: String,
        category: ReportCategory,
        cosigner_ids: Vec<String>,
        idempotency_key: Option<String>,
    ) -> Result<Report> {
        let cosigner_ids = cosigner_ids
            .iter()
            .map(|m| id::<MemberId>(m, "cosigner_ids"))
            .collect::<Result<Vec<_>>>()?;
        let report = NewReport {
            title,
            body,
            category,
            cosigner_ids,
        };
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        let inner = self.inner.clone();
        run(async move { inner.create_report(&report, key).await }).await
    }

    /// Changes my draft or returned report: only the fields given.
    pub async fn update_report(
        &self,
        report_id: String,
        title: Option<String>,
        body: Option<String>,
        category: Option<ReportCategory>,
    ) -> Result<Report> {
        let report_id = id(&report_id, "report_id")?;
        let patch = ReportPatch {
            title,
            body,
            category,
            ..ReportPatch::default()
        };
        let inner = self.inner.clone();
        run(async move { inner.update_report(report_id, &patch).await }).await
    }

    /// Sends my report to the office; repeating it is harmless.
    pub async fn submit_report(&self, report_id: String) -> Result<Report> {
        let report_id = id(&report_id, "report_id")?;
        let inner = self.inner.clone();
        run(async move { inner.submit_report(report_id).await }).await
    }

    /// Takes my report back before the office decided.
    pub async fn withdraw_report(&self, report_id: String) -> Result<Report> {
        let report_id = id(&report_id, "report_id")?;
        let inner = self.inner.clone();
        run(async move { inner.withdraw_report(report_id).await }).await
    }

    /// Confirms (or declines) being named as co-signer.
    pub async fn cosign_report(&self, report_id: String, confirm: bool) -> Result<Report> {
        let report_id = id(&report_id, "report_id")?;
        let inner = self.inner.clone();
        run(async move { inner.cosign_report(report_id, confirm).await }).await
    }

    /// Reports I wrote or am named on, newest first.
    pub async fn my_reports(&self, cursor: Option<String>) -> Result<ReportPage> {
        let inner = self.inner.clone();
        run(async move { inner.my_reports(cursor.as_deref()).await }).await
    }

    /// Attaches a photo or document (its bytes, the name it has on the
    /// phone) to my draft or returned report; the answer's `url` downloads it.
    pub async fn attach_to_report(
        &self,
        report_id: String,
        title: String,
        file_name: String,
        bytes: Vec<u8>,
    ) -> Result<Material> {
        let report_id = id(&report_id, "report_id")?;
        let inner = self.inner.clone();
        run(async move {
            inner
                .attach_to_report(report_id, &title, &file_name, bytes)
                .await
        })
        .await
    }

    /// Takes an attachment off my draft or returned report.
    pub async fn remove_report_attachment(
        &self,
        report_id: String,
        attachment_id: String,
    ) -> Result<()> {
        let report_id = id(&report_id, "report_id")?;
        let attachment_id = id(&attachment_id, "attachment_id")?;
        let inner = self.inner.clone();
        run(async move {
            inner
                .remove_report_attachment(report_id, attachment_id)
                .await
        })
        .await
    }

    /// A report with its whole timeline, up to adoption and 批示.
    pub async fn report(&self, report_id: String) -> Result<ReportDetail> {
        let report_id = id(&report_id, "report_id")?;
        let inner = self.inner.clone();
        run(async move { inner.report(report_id).await }).await
    }
}
