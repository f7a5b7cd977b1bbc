// Sign-in and a sign-up through the generated Kotlin bindings of lvzhi-mobile,
// on the JVM with JNA, as the Android app calls them (suspend functions).
// Run by tests/tests/e2e/sdk_kotlin.rs against a live test server.

import cn.lvzhi.contract.BallotAnswer
import cn.lvzhi.contract.CalendarScope
import cn.lvzhi.contract.ErrorCode
import cn.lvzhi.contract.Rating
import cn.lvzhi.contract.SignupStatus
import cn.lvzhi.sdk.LvzhiClient
import cn.lvzhi.sdk.LvzhiException
import cn.lvzhi.sdk.SessionStore
import cn.lvzhi.sdk.StoredSession
import cn.lvzhi.sdk.newIdempotencyKey
import kotlinx.coroutines.runBlocking

/** What the app does with the Android Keystore, in memory. */
class MemoryStore : SessionStore {
    @Volatile private var session: StoredSession? = null
    override fun load(): StoredSession? = session
    override fun save(session: StoredSession) { this.session = session }
    override fun clear() { session = null }
}

fun env(name: String): String = System.getenv(name) ?: error("$name is not set")

fun main() = runBlocking {
    val store = MemoryStore()
    val client = LvzhiClient(env("LVZHI_URL"), store)
    val member = client.signIn(env("LVZHI_PHONE"), env("LVZHI_PASSWORD"))
    check(store.load()?.userId == member.id) { "the session is stored" }

    val activity = env("LVZHI_ACTIVITY_ID")
    val key = newIdempotencyKey()
    val result = client.signUp(activity, null, key)
    check(result.status == SignupStatus.REGISTERED) { "registered: $result" }
    check(client.signUp(activity, null, key).status == SignupStatus.REGISTERED) { "retry" }
    try {
        client.signUp(activity, null, null)
        error("a second sign-up must be refused")
    } catch (e: LvzhiException.Conflict) {
        check(e.code == ErrorCode.ALREADY_SIGNED_UP) { "code: ${e.code}" }
    }
    val detail = client.activity(activity)
    check(detail.mySignup?.status == SignupStatus.REGISTERED) { "my sign-up shows" }

    // Meetings: none summoned here, but the calls compile and answer.
    check(client.meetings(false).items.isEmpty()) { "no meetings" }
    check(client.myLeaveRequests().items.isEmpty()) { "no leave requests" }
    check(client.appraisals(null).items.isEmpty()) { "no appraisal rounds" }
    try {
        client.askLeave("0190a000-0000-7000-8000-000000000000", listOf(), "出差", newIdempotencyKey())
        error("leave for a meeting that does not exist must be refused")
    } catch (e: LvzhiException.NotFound) {
    }
    try {
        client.castBallot("0190a000-0000-7000-8000-000000000000", listOf(
            BallotAnswer("0190a000-0000-7000-8000-000000000001", Rating.SATISFIED, null)))
        error("a ballot in a round that does not exist must be refused")
    } catch (e: LvzhiException.NotFound) {
    }
    val feed = client.calendarUrl(CalendarScope.MINE)
    check(feed.url.endsWith(".ics")) { "a feed address" }
    client.signOut()
    check(!client.isSignedIn())
    println("kotlin member ok")
}
