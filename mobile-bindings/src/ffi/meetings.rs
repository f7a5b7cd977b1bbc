//! `LvzhiClient`'s meeting, appraisal and calendar flows (the same object
//! as `client.rs`; uniffi merges the two export blocks).

use lvzhi_shared::calendar::{CalendarFeed, CalendarScope};
use lvzhi_shared::ids::MeetingSessionId;
use lvzhi_shared::meetings::{
    Appraisal, AppraisalList, AppraisalResults, BallotAnswer, BallotReceipt, LeaveRequestList,
    Meeting, MeetingList, MyMeeting, NewBallot, ReceiptCheck, SessionCheckin,
};

use super::client::{LvzhiClient, Result, id, run};
use crate::core;

#[uniffi::export(async_runtime = "tokio")]
impl LvzhiClient {
    /// The meetings I am summoned to, soonest first; `past` adds those over.
    pub async fn meetings(&self, past: bool) -> Result<MeetingList> {
        let inner = self.inner.clone();
        run(async move { inner.meetings(past).await }).await
    }

    /// The bytes of a file the API lists: a meeting document's or an
    /// activity material's `url` (`/api/v1/…`).
    pub async fn download_file(&self, url: String) -> Result<Vec<u8>> {
        let inner = self.inner.clone();
        run(async move { inner.download_file(&url).await }).await
    }

    /// A meeting with its sessions and my part (`me`): answer, leave, check-ins.
    pub async fn meeting(&self, meeting_id: String) -> Result<Meeting> {
        let meeting_id = id(&meeting_id, "meeting_id")?;
        let inner = self.inner.clone();
        run(async move { inner.meeting(meeting_id).await }).await
    }

    /// Answers the notice: I will attend. Pass the same `idempotency_key`
    /// when retrying this action.
    pub async fn attend_meeting(
        &self,
        meeting_id: String,
        idempotency_key: Option<String>,
    ) -> Result<MyMeeting> {
        let meeting_id = id(&meeting_id, "meeting_id")?;
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        let inner = self.inner.clone();
        run(async move { inner.attend_meeting(meeting_id, key).await }).await
    }

    /// Asks for leave with a reason, for `session_ids` (empty: the whole
    /// meeting), before the meeting's leave deadline.
    pub async fn ask_leave(
        &self,
        meeting_id: String,
        session_ids: Vec<String>,
        reason: String,
        idempotency_key: Option<String>,
    ) -> Result<MyMeeting> {
        let meeting_id = id(&meeting_id, "meeting_id")?;
        let sessions = session_ids
            .iter()
            .map(|s| id::<MeetingSessionId>(s, "session_ids"))
            .collect::<Result<Vec<_>>>()?;
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        let inner = self.inner.clone();
        run(async move { inner.ask_leave(meeting_id, sessions, &reason, key).await }).await
    }

    /// My leave requests and their decisions, newest first.
    pub async fn my_leave_requests(&self) -> Result<LeaveRequestList> {
        let inner = self.inner.clone();
        run(async move { inner.my_leave_requests().await }).await
    }

    /// Checks in at a session with the code scanned or typed at the venue.
    pub async fn check_in_session(
        &self,
        meeting_id: String,
        session_id: String,
        code: String,
        idempotency_key: Option<String>,
    ) -> Result<SessionCheckin> {
        let meeting_id = id(&meeting_id, "meeting_id")?;
        let session_id = id(&session_id, "session_id")?;
        let key = idempotency_key.unwrap_or_else(core::new_idempotency_key);
        let inner = self.inner.clone();
        run(async move {
            inner
                .check_in_session(meeting_id, session_id, &code, key)
                .await
        })
        .await
    }

    /// Appraisal rounds, newest first (of one meeting, if given).
    pub async fn appraisals(&self, meeting_id: Option<String>) -> Result<AppraisalList> {
        let meeting_id = meeting_id.map(|m| id(&m, "meeting_id")).transpose()?;
        let inner = self.inner.clone();
        run(async move { inner.appraisals(meeting_id).await }).await
    }

    /// One round, with its departments in the ballot's order.
    pub async fn appraisal(&self, appraisal_id: String) -> Result<Appraisal> {
        let appraisal_id = id(&appraisal_id, "appraisal_id")?;
        let inner = self.inner.clone();
        run(async move { inner.appraisal(appraisal_id).await }).await
    }

    /// Casts my secret ballot, one answer per department; keep the receipt.
    /// No idempotency key (it would tie the receipt to me): a retry after a
    /// lost answer fails with `already_voted`.
    pub async fn cast_ballot(
        &self,
        appraisal_id: String,
        answers: Vec<BallotAnswer>,
    ) -> Result<BallotReceipt> {
        let appraisal_id = id(&appraisal_id, "appraisal_id")?;
        let inner = self.inner.clone();
        run(async move {
            inner
                .cast_ballot(appraisal_id, &NewBallot { answers })
                .await
        })
        .await
    }

    /// Whether the ballot with this receipt is in the round's box.
    pub async fn check_receipt(
        &self,
        appraisal_id: String,
        receipt: String,
    ) -> Result<ReceiptCheck> {
        let appraisal_id = id(&appraisal_id, "appraisal_id")?;
        let inner = self.inner.clone();
        run(async move { inner.check_receipt(appraisal_id, &receipt).await }).await
    }

    /// A closed round's results (`results_not_ready` before the close).
    pub async fn appraisal_results(&self, appraisal_id: String) -> Result<AppraisalResults> {
        let appraisal_id = id(&appraisal_id, "appraisal_id")?;
        let inner = self.inner.clone();
        run(async move { inner.appraisal_results(appraisal_id).await }).await
    }

    /// My calendar feed's address (`COMMITTEE`: the committee's, for the
    /// office), made on first ask; give `webcal_url` to the phone's calendar.
    pub async fn calendar_url(&self, scope: CalendarScope) -> Result<CalendarFeed> {
        let inner = self.inner.clone();
        run(async move { inner.calendar_url(scope).await }).await
    }

    /// A new address for the feed; the old one stops working at once.
    pub async fn reset_calendar_url(&self, scope: CalendarScope) -> Result<CalendarFeed> {
        let inner = self.inner.clone();
        run(async move { inner.reset_calendar_url(scope).await }).await
    }
}
