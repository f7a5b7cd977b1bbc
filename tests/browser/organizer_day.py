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
  LVZHI_DOCTOR_TOKEN a member of 医药卫生界 (signs up for the outreach made here)
  LVZHI_DOCTOR_NAME  and their name
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
DOCTOR_TOKEN = os.environ["LVZHI_DOCTOR_TOKEN"]
DOCTOR_NAME = os.environ["LVZHI_DOCTOR_NAME"]

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


def api(method, path, token, body=None):
    """A call of the phone app's: (status, JSON body or None)."""
    request = urllib.request.Request(
        f"{ORIGIN}/api/v1{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, None


def import_roster(page):
    """委员 → 导入名单: a roster with a bad row is checked, fixed and imported."""
    page.get_by_role("link", name="委员", exact=True).click()
    page.get_by_role("link", name="导入名单").click()
    check(unlabelled_inputs(page) == [], "every import input has a label")
    roster = os.path.join(SHOTS, "roster.csv")
    rows = "委员编号,姓名,手机号码,界别\nB-01,周晓岚,13900073101,医药卫生界\nB-02,吴建国,1390007310,经济界\n"
    with open(roster, "w", encoding="utf-8") as f:
        f.write(rows)
    page.set_input_files("#file", roster)
    page.get_by_role("button", name="检查名单").click()
    page.wait_for_load_state()
    check(page.get_by_text("手机号码应为 11 位数字").count() == 1, "the bad row is named")
    check(page.get_by_role("button", name="确认导入（新增 1 位，更新 0 位）").count() == 1, "one to add")
    page.screenshot(path=f"{SHOTS}/import-check.png", full_page=True)
    with open(roster, "w", encoding="utf-8") as f:
        f.write(rows.replace("1390007310,", "13900073102,"))
    page.get_by_role("link", name="重新上传").click()
    page.set_input_files("#file", roster)
    page.get_by_role("button", name="检查名单").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="确认导入（新增 2 位，更新 0 位）").click()
    page.wait_for_load_state()
    check(page.get_by_role("status").inner_text().startswith("已于"), "the roster is imported")
    page.screenshot(path=f"{SHOTS}/import-done.png", full_page=True)


def plan_outreach(page):
    """活动 → 新建活动: an outreach with a slot for doctors, saved and published;
    a doctor signs up for it from the app, and a member of no sector cannot."""
    page.get_by_role("link", name="活动", exact=True).click()
    page.get_by_role("link", name="新建活动").click()
    check(unlabelled_inputs(page) == [], "every activity-form input has a label")
    page.get_by_label("三下乡", exact=True).check()
    page.get_by_label("标题", exact=True).fill("送医下乡：青山镇")
    page.get_by_label("地点", exact=True).fill("青山镇卫生院")
    page.fill("#starts_at", "2030-05-10T09:00")
    page.fill("#ends_at", "2030-05-10T12:00")
    page.fill("#capacity", "6")
    page.select_option("#theme", "health")
    page.fill("#role-name-1", "义诊医生")
    page.fill("#role-capacity-1", "2")
    page.select_option("#role-sector-1", "医药卫生界")
    page.fill("#role-name-2", "志愿者")
    page.fill("#role-capacity-2", "4")
    page.screenshot(path=f"{SHOTS}/activity-form.png", full_page=True)
    page.get_by_role("button", name="保存为草稿").click()
    page.wait_for_load_state()
    check(page.get_by_role("status").inner_text().startswith("活动已保存为草稿"), "saved as a draft")
    page.get_by_role("button", name="发布活动").click()
    page.wait_for_load_state()
    check(page.get_by_role("status").inner_text().startswith("活动已发布"), "published")
    outreach = page.url.split("/console/activities/")[1].split("?")[0]
    status, activity = api("GET", f"/activities/{outreach}", DOCTOR_TOKEN)
    check(status == 200, "the doctor's app sees the outreach")
    slot = next(r["id"] for r in activity["roles"] if r["name"] == "义诊医生")
    status, _ = api("POST", f"/activities/{outreach}/signups", MEMBER_TOKEN, {"role_id": slot})
    check(400 <= status < 500, f"the doctors' slot refuses a member of no sector ({status})")
    status, _ = api("POST", f"/activities/{outreach}/signups", DOCTOR_TOKEN, {"role_id": slot})
    check(status in (200, 201), f"the doctor signs up for the doctors' slot ({status})")
    page.reload()
    check(page.get_by_text(DOCTOR_NAME).count() > 0, "the roster shows the doctor")
    page.screenshot(path=f"{SHOTS}/outreach.png", full_page=True)


def mark_attendance(page):
    """登记出勤 on the activity page open now: everyone present, saved."""
    page.get_by_role("link", name="登记出勤").click()
    page.wait_for_load_state()
    check(unlabelled_inputs(page) == [], "every attendance mark has a label")
    page.get_by_role("button", name="全部设为出席").click()
    page.wait_for_load_state()
    check(page.get_by_role("status").inner_text() == "出勤已保存。", "attendance saved")
    page.screenshot(path=f"{SHOTS}/attendance.png", full_page=True)


def send_announcement(page):
    """通知 → 新通知 to one sector: the count follows the picker, then it is sent."""
    page.get_by_role("link", name="通知", exact=True).click()
    page.get_by_role("link", name="写新通知").click()
    check(unlabelled_inputs(page) == [], "every composer input has a label")
    page.get_by_label("标题", exact=True).fill("义诊集合通知")
    page.get_by_label("内容", exact=True).fill("5月10日早八点在青山镇卫生院门口集合。")
    everyone = page.locator("#reach strong").inner_text()
    page.get_by_label("按界别", exact=True).check()
    page.get_by_label("医药卫生界", exact=True).check()
    # The doctor made by the test and 周晓岚 imported above.
    expect(page.locator("#reach strong")).to_have_text("2", timeout=10000)
    check(everyone != "2", f"the count followed the picker ({everyone} → 2)")
    page.screenshot(path=f"{SHOTS}/notice-new.png", full_page=True)
    page.get_by_role("button", name="发送").click()
    page.wait_for_load_state()
    check("对象 2 人" in page.locator(".facts").inner_text(), "the delivery page counts 2 recipients")
    page.screenshot(path=f"{SHOTS}/notice-sent.png", full_page=True)


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

        import_roster(page)
        plan_outreach(page)

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
        mark_attendance(page)
        send_announcement(page)

        # 统计: this year's charts, drawn on the server.
        page.get_by_role("link", name="统计", exact=True).click()
        page.wait_for_load_state()
        check(page.locator("h1").inner_text().startswith("统计"), "the statistics page")
        check(page.locator("svg").count() > 0, "with its charts")
        page.screenshot(path=f"{SHOTS}/stats.png", full_page=True)

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
