"""An organizer's visit to the console in real Chromium, keyboard first.

Run by tests/tests/console/browser.rs against a live test server it has
filled; exits non-zero on the first thing a clerk would trip over. Takes:

  LVZHI_ORIGIN      http://127.0.0.1:PORT
  LVZHI_PHONE       the organizer's phone
  LVZHI_PASSWORD    and password
  LVZHI_EXPECT      a JSON list of texts 工作台 must show
  LVZHI_ACTIVITY    the title of an activity with a waitlist, check-in open
  LVZHI_ACTIVITY_ID its id
  LVZHI_WAITLISTED  the name first on its waitlist
  LVZHI_MEMBER_TOKEN a registered member's access token (checks in through the API)
  LVZHI_SHOTS       folder for the 1366×768 screenshots
"""

import json
import os
import shutil
import sys
import urllib.request

from playwright.sync_api import expect, sync_playwright

ORIGIN = os.environ["LVZHI_ORIGIN"]
SHOTS = os.environ["LVZHI_SHOTS"]
PHONE = os.environ["LVZHI_PHONE"]
PASSWORD = os.environ["LVZHI_PASSWORD"]
EXPECT = json.loads(os.environ["LVZHI_EXPECT"])
ACTIVITY = os.environ["LVZHI_ACTIVITY"]
ACTIVITY_ID = os.environ["LVZHI_ACTIVITY_ID"]
WAITLISTED = os.environ["LVZHI_WAITLISTED"]
MEMBER_TOKEN = os.environ["LVZHI_MEMBER_TOKEN"]

# As root in a container, and on a machine whose network is closed: no
# sandbox, no GPU, none of Chromium's own calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def member_checks_in(digits):
    """What the member's phone does with the typed digits."""
    request = urllib.request.Request(
        f"{ORIGIN}/api/v1/activities/{ACTIVITY_ID}/checkins",
        data=json.dumps({"code": digits}).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {MEMBER_TOKEN}"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return response.status


def unlabelled_inputs(page):
    """Visible form controls that no <label> names."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
              .map(el => el.name || el.id)"""
    )


def main():
    os.makedirs(SHOTS, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        problems = []
        # Script errors, CSP refusals, and any file a page needed that did not
        # come (the pages' own 4xx answers, e.g. a wrong password, are fine).
        page.on(
            "console",
            lambda m: m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and problems.append(f"console: {m.text}"),
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400
            and r.request.resource_type != "document"
            and problems.append(f"{r.status} for {r.url}"),
        )

        page.goto(f"{ORIGIN}/console/today")
        check("/console/login?next=" in page.url, f"not signed in: sent to sign in ({page.url})")
        check(unlabelled_inputs(page) == [], "every sign-in input has a label")
        page.screenshot(path=f"{SHOTS}/sign-in.png")

        # A wrong password first: the message, and the phone kept.
        page.keyboard.type(PHONE)
        page.keyboard.press("Tab")
        page.keyboard.type("not-the-password")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        check(page.locator("#problem").inner_text().startswith("手机号或密码不正确"), "wrong password told")
        check(page.input_value("#phone") == PHONE, "the phone is kept")
        page.screenshot(path=f"{SHOTS}/sign-in-wrong-password.png")

        # Keyboard only: the phone is kept and the cursor waits in the password.
        check(page.evaluate("document.activeElement.id") == "password", "focus on the password")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{ORIGIN}/console/today")
        check(page.locator("h1").inner_text() == "工作台", "工作台 after signing in")
        for text in EXPECT:
            check(page.get_by_text(text, exact=False).count() > 0, f"工作台 shows {text!r}")
        check(page.evaluate("typeof htmx") == "object", "htmx loaded under the CSP")
        page.screenshot(path=f"{SHOTS}/today.png", full_page=True)

        # 活动 → the activity → promote the first on the waitlist.
        page.get_by_role("link", name="活动", exact=True).click()
        page.get_by_role("link", name=ACTIVITY).click()
        page.wait_for_load_state()
        check(page.locator("#waitlist-h").inner_text().startswith("候补名单"), "the waitlist is shown")
        page.screenshot(path=f"{SHOTS}/activity.png", full_page=True)
        page.get_by_role("link", name="转为正式…").first.click()
        page.wait_for_load_state()
        check(WAITLISTED in page.locator(".question").inner_text(), "the confirmation names the member")
        check(page.get_by_text(f"{WAITLISTED}：手机推送").count() == 1, "and says they will be told")
        page.screenshot(path=f"{SHOTS}/confirm-promote.png")
        page.get_by_role("button", name="确认转为正式报名").click()
        page.wait_for_load_state()
        check(page.get_by_role("status").inner_text().startswith("已转为正式报名"), "promoted")
        check(page.get_by_text("没有候补。").count() == 1, "the waitlist is empty")

        # The check-in screen: a member types its digits; the count follows by itself.
        page.get_by_role("link", name="打开现场签到屏").click()
        page.wait_for_load_state()
        digits = page.locator(".digits").inner_text().strip()
        check(len(digits) == 6 and digits.isdigit(), f"six digits on the screen ({digits})")
        check(page.locator(".tally .big").inner_text() == "0", "nobody checked in yet")
        check(member_checks_in(digits) == 200, "the member checks in with the digits")
        # (Waiting in the page's own script would need eval, which the CSP refuses.)
        expect(page.locator(".tally .big")).to_have_text("1", timeout=15000)
        check(True, "the screen's count updated without a reload")
        page.screenshot(path=f"{SHOTS}/checkin.png")
        page.get_by_role("link", name="返回活动页").click()
        page.wait_for_load_state()

        # The skip link is the first stop for the keyboard.
        page.keyboard.press("Tab")
        check(page.evaluate("document.activeElement.textContent") == "跳到正文", "skip link first")

        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url(f"{ORIGIN}/console/login")
        page.goto(f"{ORIGIN}/console/today")
        check("/console/login" in page.url, "signed out: back to sign in")

        check(problems == [], f"no script errors or CSP violations: {problems}")
        browser.close()


if __name__ == "__main__":
    main()
