"""A member's day through the generated Python bindings of lvzhi-mobile.

Run by tests/tests/e2e/sdk_python.rs against a live test server; the
environment names the server, the people and the activity. Exits non-zero
(with the failing assertion) if anything is off.
"""

import asyncio
import os
import sys

sys.path.insert(0, os.environ["LVZHI_BINDINGS"])

from lvzhi import lvzhi_mobile as sdk  # noqa: E402
from lvzhi import lvzhi_shared as contract  # noqa: E402

URL = os.environ["LVZHI_URL"]
ACTIVITY = os.environ["LVZHI_ACTIVITY_ID"]
MEETING = os.environ["LVZHI_MEETING_ID"]
APPRAISAL = os.environ["LVZHI_APPRAISAL_ID"]
PASSWORD = os.environ["LVZHI_PASSWORD"]


class MemoryStore(sdk.SessionStore):
    """What the app does with the Keychain or Keystore, in memory."""

    def __init__(self):
        self.session = None
        self.saves = 0

    def load(self):
        return self.session

    def save(self, session):
        self.saves += 1
        self.session = session

    def clear(self):
        self.session = None


async def main():
    first_store, second_store, office_store = MemoryStore(), MemoryStore(), MemoryStore()
    first = sdk.LvzhiClient(URL, first_store)
    second = sdk.LvzhiClient(URL, second_store)
    office = sdk.LvzhiClient(URL, office_store)

    await first.sign_in(os.environ["LVZHI_FIRST_PHONE"], PASSWORD)
    me = await second.sign_in(os.environ["LVZHI_SECOND_PHONE"], PASSWORD)
    await office.sign_in(os.environ["LVZHI_ADMIN_PHONE"], os.environ["LVZHI_ADMIN_PASSWORD"])
    assert second_store.session is not None and second_store.session.user_id == me.id
    assert (await second.me()).member.id == me.id

    page = await second.activities(None, None, None, None, None)
    assert any(a.id == ACTIVITY for a in page.items), "the activity is listed"

    # One place: the first gets it, the second waits.
    key = sdk.new_idempotency_key()
    taken = await first.sign_up(ACTIVITY, None, key)
    assert taken.status == contract.SignupStatus.REGISTERED, taken
    retried = await first.sign_up(ACTIVITY, None, key)
    assert retried.status == contract.SignupStatus.REGISTERED, "a retry with the same key is the same answer"
    waiting = await second.sign_up(ACTIVITY, None, None)
    assert waiting.status == contract.SignupStatus.WAITLISTED and waiting.position == 1, waiting
    try:
        await second.sign_up(ACTIVITY, None, None)
        raise AssertionError("signing up twice must fail")
    except sdk.LvzhiError.Conflict as e:
        assert e.code == contract.ErrorCode.ALREADY_SIGNED_UP, e

    # The first cancels; the second moves up and is told.
    await first.cancel_sign_up(ACTIVITY, None)
    detail = await second.activity(ACTIVITY)
    assert detail.my_signup is not None and detail.my_signup.status == contract.SignupStatus.REGISTERED
    inbox = await second.inbox(False, None)
    kinds = [n.kind for n in inbox.items]
    assert contract.NotificationKind.PROMOTED in kinds, kinds
    promoted = next(n for n in inbox.items if n.kind == contract.NotificationKind.PROMOTED)
    # (Not a difference of unread counts: the push worker may queue this
    # activity's reminder for the newly registered member at any moment.)
    await second.mark_read(promoted.id)
    unread = await second.inbox(True, None)
    assert all(n.id != promoted.id for n in unread.items), "marked read"
    assert await second.unread_count() >= len(unread.items)

    # A push about it is understood.
    event = sdk.parse_push_payload(
        {"event": "promoted", "notification_id": promoted.id, "activity_id": ACTIVITY}
    )
    assert event is not None and event.activity_id == ACTIVITY
    await second.register_push_token("python-phone-token", contract.Platform.ANDROID)

    # On site: the organizer shows the code, the member checks in.
    code = await office.checkin_code(ACTIVITY)
    checked = await second.check_in(ACTIVITY, code.code, None)
    assert checked.activity_id == ACTIVITY
    mine = await second.my_activities()
    assert len(mine.items) == 1

    # The meeting's notice: the member asks leave for the whole meeting.
    meetings = await second.meetings(False)
    assert [m.id for m in meetings.items] == [MEETING], meetings
    meeting = await second.meeting(MEETING)
    assert meeting.me is not None and meeting.me.answer == contract.MeetingAnswer.PENDING
    assert [d.title for d in meeting.documents] == ["会议议程"], meeting.documents
    agenda = await second.download_file(meeting.documents[0].url)
    assert agenda.startswith(b"%PDF-"), agenda[:16]
    key = sdk.new_idempotency_key()
    answered = await second.ask_leave(MEETING, [], "赴省里参加培训", key)
    assert answered.answer == contract.MeetingAnswer.LEAVE, answered
    assert answered.leave.status == contract.LeaveStatus.PENDING
    retried = await second.ask_leave(MEETING, [], "赴省里参加培训", key)
    assert retried.leave.id == answered.leave.id, "a retry with the same key is the same request"
    try:
        await second.ask_leave(MEETING, [], "  ", None)
        raise AssertionError("a blank reason must be refused")
    except sdk.LvzhiError.Invalid as e:
        assert e.code == contract.ErrorCode.FIELD_REQUIRED and e.field == "reason", e
    leave = await second.my_leave_requests()
    assert [r.meeting_id for r in leave.items] == [MEETING], leave
    event = sdk.parse_push_payload(
        {"event": "meeting_notice", "notification_id": promoted.id, "meeting_id": MEETING}
    )
    assert event is not None and event.meeting_id == MEETING, event

    # The appraisal round: a secret ballot and its receipt.
    rounds = await second.appraisals(MEETING)
    assert [r.id for r in rounds.items] == [APPRAISAL] and rounds.items[0].may_vote, rounds
    round_ = await second.appraisal(APPRAISAL)
    answers = [
        contract.BallotAnswer(department_id=d.id, rating=contract.Rating.SATISFIED, comment=None)
        for d in round_.departments
    ]
    receipt = await second.cast_ballot(APPRAISAL, answers)
    assert (await second.check_receipt(APPRAISAL, receipt.receipt)).counted
    try:
        await second.cast_ballot(APPRAISAL, answers)
        raise AssertionError("voting twice must fail")
    except sdk.LvzhiError.Conflict as e:
        assert e.code == contract.ErrorCode.ALREADY_VOTED, e
    feed = await second.calendar_url(contract.CalendarScope.MINE)
    assert feed.url.endswith(".ics") and feed.webcal_url.startswith("webcal://"), feed.scope

    # A public-opinion report: written, sent twice on a weak signal, co-signed.
    first_id = (await first.me()).member.id
    draft = await second.create_report(
        "关于村口路灯的建议", "村口路灯损坏已久，夜间出行不便。", contract.ReportCategory.LIVELIHOOD, [first_id], None
    )
    assert draft.status == contract.ReportStatus.DRAFT, draft
    for _ in range(2):
        sent = await second.submit_report(draft.id)
        assert sent.status == contract.ReportStatus.SUBMITTED and sent.version == 1, sent
    cosigned = await first.cosign_report(draft.id, True)
    assert all(c.confirmed for c in cosigned.credits), cosigned.credits
    story = await second.report(draft.id)
    assert [e.kind for e in story.timeline] == [
        contract.ReportEventKind.SUBMITTED,
        contract.ReportEventKind.COSIGNED,
    ], story.timeline
    assert [r.id for r in (await first.my_reports(None)).items] == [draft.id]
    asked = sdk.parse_push_payload(
        {"event": "cosign_requested", "notification_id": promoted.id, "report_id": draft.id}
    )
    assert asked is not None and asked.report_id == draft.id, asked
    try:
        await second.update_report(draft.id, None, "改过的正文", None)
        raise AssertionError("a submitted report is the office's to change")
    except sdk.LvzhiError.Conflict as e:
        assert e.code == contract.ErrorCode.INVALID_TRANSITION, e

    # 100 calls at once: the event loop keeps running meanwhile.
    ticks = 0
    done = False

    async def ticker():
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0.001)

    ticking = asyncio.create_task(ticker())
    results = await asyncio.gather(*[second.me() for _ in range(100)])
    done = True
    await ticking
    assert all(r.member.id == me.id for r in results)
    assert ticks > 1, f"the event loop was blocked (ticks={ticks})"

    await second.sign_out()
    assert not second.is_signed_in()
    try:
        await second.me()
        raise AssertionError("signed out")
    except sdk.LvzhiError.SessionExpired:
        pass
    print(f"member day ok; event loop ticked {ticks} times during 100 concurrent calls")


asyncio.run(main())
