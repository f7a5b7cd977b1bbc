//! A member's duty record with points (履职积分): the year's rules, my record
//! line by line with each line's source, and disputing a line (or saying one
//! is missing), with what the office answered.

use lvzhi_shared::points::{
    NewDispute, PointsDispute, PointsDisputeList, PointsRecord, PointsYear,
};
use lvzhi_shared::validate::text;
use reqwest::Method;

use super::client::{Call, Client};
use super::error::Error;

impl Client {
    /// How points are earned in `year`, and whether the year is closed.
    pub async fn points_year(&self, year: i32) -> Result<PointsYear, Error> {
        self.authed(Call::new(Method::GET, format!("/points/years/{year}")))
            .await
    }

    /// My record for `year`: live while the year is open, frozen (with my
    /// place) once the office closed it.
    pub async fn my_points(&self, year: i32) -> Result<PointsRecord, Error> {
        self.authed(Call::new(Method::GET, format!("/me/points?year={year}")))
            .await
    }

    /// Disputes a line of my record (its `key`), or, without one, says
    /// something is missing. Asking again while it is open answers the same
    /// dispute, so a retry on a weak signal files it once.
    pub async fn dispute_points(
        &self,
        year: i32,
        line_key: Option<String>,
        reason: &str,
    ) -> Result<PointsDispute, Error> {
        // Refused here, with the server's code and field, before a round trip.
        text(
            reason,
            "reason",
            lvzhi_shared::points::MAX_EVIDENCE_CHARS,
            true,
        )?;
        let call = Call::new(Method::POST, "/me/points/disputes").json(&NewDispute {
            year,
            line_key,
            reason: reason.to_owned(),
        })?;
        self.authed(call).await
    }

    /// My disputes, newest first, with the office's answers.
    pub async fn my_points_disputes(&self) -> Result<PointsDisputeList, Error> {
        self.authed(Call::new(Method::GET, "/me/points/disputes"))
            .await
    }
}
