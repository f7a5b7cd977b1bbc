"""An organizer's visit to the console in real Chromium, keyboard first.

Run by tests/tests/console/browser.rs against a live test server it has
filled; exits non-zero on the first thing a clerk would trip over. Takes:

  LVZHI_ORIGIN      http://127.0.0.1:PORT
  LVZHI_PHONE       the organizer's phone
  LVZHI_PASSWORD    and password
  LVZHI_EXPECT      a JSON list of texts 工作台 must show
  LVZHI_SHOTS       folder for the 1366×768 screenshots
"""

import json
import os
import shutil
import sys

from playwright.sync_api import sync_playwright

ORIGIN = os.environ["LVZHI_ORIGIN"]
SHOTS = os.environ["LVZHI_SHOTS"]
PHONE = os.environ["LVZHI_PHONE"]
PASSWORD = os.environ["LVZHI_PASSWORD"]
EXPECT = json.loads(os.environ["LVZHI_EXPECT"])

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
