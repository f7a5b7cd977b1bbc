//! `LvzhiClient`'s duty-record flows (the same object as `client.rs`;
//! uniffi merges the export blocks).

use lvzhi_shared::points::{PointsDispute, PointsRecord, PointsYear};

use super::client::{LvzhiClient, Result, run};

#[uniffi::export(async_runtime = "tokio")]
impl LvzhiClient {
    /// How points are earned in `year`, and whether it is closed.
    pub async fn points_year(&self, year: i32) -> Result<PointsYear> {
        let inner = self.inner.clone();
        run(async move { inner.points_year(year).await }).await
    }

    /// My duty record for `year`, each line with its source.
    pub async fn my_points(&self, year: i32) -> Result<PointsRecord> {
        let inner = self.inner.clone();
        run(async move { inner.my_points(year).await }).await
    }

    /// Disputes a line of my record (`line_key` is the line's `key`), or
    /// says something is missing (no key). Safe to repeat.
    pub async fn dispute_points(
        &self,
        year: i32,
        line_key: Option<String>,
        reason: String,
    ) -> Result<PointsDispute> {
        let inner = self.inner.clone();
        run(async move { inner.dispute_points(year, line_key, &reason).await }).await
    }

    /// My disputes, newest first, with the office's answers.
    pub async fn my_points_disputes(&self) -> Result<Vec<PointsDispute>> {
        let inner = self.inner.clone();
        run(async move { Ok(inner.my_points_disputes().await?.items) }).await
    }
}
