//! A member's meetings (会议): the notice, answering it (attend, or leave for
//! the whole meeting or chosen sessions), check-in per session, and the
//! democratic appraisal (民主评议) held at a meeting; and the calendar feed.

use lvzhi_shared::calendar::{CalendarFeed, CalendarScope};
use lvzhi_shared::ids::{AppraisalId, MeetingId, MeetingSessionId};
use lvzhi_shared::meetings::{
    Appraisal, AppraisalList, AppraisalResults, BallotReceipt, LeaveRequestList, Meeting,
    MeetingAnswer, MeetingList, MeetingResponse, MyMeeting, NewBallot, ReceiptCheck,
    SessionCheckin, SessionCheckinInput,
};
use lvzhi_shared::validate::{MAX_LONG_TEXT_CHARS, text};
use reqwest::Method;

use super::client::{Call, Client};
use super::error::Error;
use super::flows::seg;

impl Client {
    // --- meetings ---

    /// The meetings I am summoned to, soonest first; `past` adds those over.
    pub async fn meetings(&self, past: bool) -> Result<MeetingList, Error> {
        self.authed(Call::new(Method::GET, format!("/meetings?past={past}")))
            .await
    }

    /// A meeting with its sessions and my part in it (`me`: answer, leave, check-ins).
    pub async fn meeting(&self, id: MeetingId) -> Result<Meeting, Error> {
        self.authed(Call::new(Method::GET, format!("/meetings/{id}")))
            .await
    }

    /// Answers the notice: I will attend (withdraws an open leave request).
    pub async fn attend_meeting(
        &self,
        meeting_id: MeetingId,
        idempotency_key: String,
    ) -> Result<MyMeeting, Error> {
        self.answer_meeting(
            meeting_id,
            &MeetingResponse {
                answer: MeetingAnswer::Attend,
                sessions: Vec::new(),
                reason: None,
            },
            idempotency_key,
        )
        .await
    }

    /// Asks for leave (请假) with a reason, for `sessions` (empty: the whole
    /// meeting), until the meeting's leave deadline.
    pub async fn ask_leave(
        &self,
        meeting_id: MeetingId,
        sessions: Vec<MeetingSessionId>,
        reason: &str,
        idempotency_key: String,
    ) -> Result<MyMeeting, Error> {
        // Refused here, with the server's code and field, before a round trip.
        let reason = text(reason, "reason", MAX_LONG_TEXT_CHARS, true)?;
        self.answer_meeting(
            meeting_id,
            &MeetingResponse {
                answer: MeetingAnswer::Leave,
                sessions,
                reason: Some(reason),
            },
            idempotency_key,
        )
        .await
    }

    async fn answer_meeting(
        &self,
        meeting_id: MeetingId,
        response: &MeetingResponse,
        idempotency_key: String,
    ) -> Result<MyMeeting, Error> {
        let call = Call::new(Method::POST, format!("/meetings/{meeting_id}/responses"))
            .json(response)?
            .idempotent(idempotency_key);
        self.authed(call).await
    }

    /// My leave requests and their decisions, newest first.
    pub async fn my_leave_requests(&self) -> Result<LeaveRequestList, Error> {
        self.authed(Call::new(Method::GET, "/me/leave-requests"))
            .await
    }

    /// Checks in at one session with the code scanned (or typed) from the venue's screen.
    pub async fn check_in_session(
        &self,
        meeting_id: MeetingId,
        session_id: MeetingSessionId,
        code: &str,
        idempotency_key: String,
    ) -> Result<SessionCheckin, Error> {
        let call = Call::new(
            Method::POST,
            format!("/meetings/{meeting_id}/sessions/{session_id}/checkins"),
        )
        .json(&SessionCheckinInput {
            code: code.to_owned(),
        })?
        .idempotent(idempotency_key);
        self.authed(call).await
    }

    // --- democratic appraisal ---

    /// Appraisal rounds, newest first (of one meeting, if given), each saying
    /// whether I may vote and have voted.
    pub async fn appraisals(&self, meeting_id: Option<MeetingId>) -> Result<AppraisalList, Error> {
        let path = match meeting_id {
            Some(m) => format!("/appraisals?meeting_id={m}"),
            None => "/appraisals".to_owned(),
        };
        self.authed(Call::new(Method::GET, path)).await
    }

    /// One round with its departments in the ballot's order.
    pub async fn appraisal(&self, id: AppraisalId) -> Result<Appraisal, Error> {
        self.authed(Call::new(Method::GET, format!("/appraisals/{id}")))
            .await
    }

    /// Casts my secret ballot: one answer per department. Keep the receipt
    /// (it is shown once). Sent without an idempotency key on purpose: the
    /// server would have to keep the answer, receipt included, beside who
    /// asked. A retry after a lost answer is `already_voted`.
    pub async fn cast_ballot(
        &self,
        appraisal_id: AppraisalId,
        ballot: &NewBallot,
    ) -> Result<BallotReceipt, Error> {
        let call =
            Call::new(Method::POST, format!("/appraisals/{appraisal_id}/ballots")).json(ballot)?;
        self.authed(call).await
    }

    /// Whether the ballot with this receipt is in the round's box.
    pub async fn check_receipt(
        &self,
        appraisal_id: AppraisalId,
        receipt: &str,
    ) -> Result<ReceiptCheck, Error> {
        self.authed(Call::new(
            Method::GET,
            format!("/appraisals/{appraisal_id}/ballots/{}", seg(receipt.trim())),
        ))
        .await
    }

    /// A round's results, once it is closed (`results_not_ready` before).
    pub async fn appraisal_results(
        &self,
        appraisal_id: AppraisalId,
    ) -> Result<AppraisalResults, Error> {
        self.authed(Call::new(
            Method::GET,
            format!("/appraisals/{appraisal_id}/results"),
        ))
        .await
    }

    // --- calendar ---

    /// The address of my calendar feed (`Committee`: the committee's, for
    /// the office), made on first ask. Hand `webcal_url` to the phone's
    /// calendar to subscribe.
    pub async fn calendar_url(&self, scope: CalendarScope) -> Result<CalendarFeed, Error> {
        self.authed(Call::new(
            Method::GET,
            format!("/me/calendar-url?scope={scope}"),
        ))
        .await
    }

    /// A new address for the feed; the old one stops working at once.
    pub async fn reset_calendar_url(&self, scope: CalendarScope) -> Result<CalendarFeed, Error> {
        self.authed(Call::new(
            Method::POST,
            format!("/me/calendar-url?scope={scope}"),
        ))
        .await
    }
}
