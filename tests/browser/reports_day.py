"""社情民意 in real Chromium: a county clerk works two members' reports from
the queue to a printed issue and forwards one to the city, whose clerk takes
it up, sends it to the province and records its adoption and a 批示.

Run by tests/tests/console/browser.rs against a live test server (a city with
a county below it, the county's members' reports already submitted from their
phones); exits non-zero on the first thing a clerk would trip over. Takes:

  LVZHI_ORIGIN        http://127.0.0.1:PORT
  LVZHI_COUNTY_PHONE  the county clerk's phone
  LVZHI_CITY_PHONE    the city clerk's phone
  LVZHI_PASSWORD      their password
  LVZHI_AUTHOR        the first report's author: {"token", "report"}
  LVZHI_SECOND        the second report's title
  LVZHI_TODAY         YYYY-MM-DD in the committee's time zone
  LVZHI_SHOTS         folder for the 1366×768 screenshots
"""

import json
import os
import shutil
import sys
import urllib.error
import urllib.request

from playwright.sync_api import sync_playwright

ORIGIN = os.environ["LVZHI_ORIGIN"]
SHOTS = os.environ["LVZHI_SHOTS"]
PASSWORD = os.environ["LVZHI_PASSWORD"]
AUTHOR = json.loads(os.environ["LVZHI_AUTHOR"])
SECOND = os.environ["LVZHI_SECOND"]
TODAY = os.environ["LVZHI_TODAY"]

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


def api(method, path, token):
    request = urllib.request.Request(
        f"{ORIGIN}/api/v1{path}", headers={"authorization": f"Bearer {token}"}, method=method
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, None


def unlabelled_inputs(page):
    """Visible form controls that no <label> names."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
              .map(el => el.name || el.id)"""
    )


def status_text(page):
    return page.get_by_role("status").inner_text()


def sign_in(browser, phone, problems):
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page.on(
        "console",
        lambda m: m.type == "error"
        and not m.text.startswith("Failed to load resource")
        and problems.append(f"console: {m.text}"),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(f"{ORIGIN}/console/login")
    page.fill("#phone", phone)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{ORIGIN}/console/today")
    return page


def county_day(page, title):
    """The county clerk: return refused without a reason, an edit, accept, an issue, forward."""
    page.get_by_role("link", name="社情民意", exact=True).click()
    page.wait_for_load_state()
    check(page.get_by_role("link", name=title).count() == 1, "the report waits in the queue")
    check(page.get_by_role("link", name=SECOND).count() == 1, "so does the second")
    page.screenshot(path=f"{SHOTS}/reports-queue.png", full_page=True)
    page.get_by_role("link", name=title).click()
    page.wait_for_load_state()
    check(unlabelled_inputs(page) == [], "every report-page input has a label")
    page.get_by_role("button", name="退回修改").click()
    page.wait_for_load_state()
    check(page.locator("#comment-problem").inner_text().startswith("退回修改或不予采用时"), "a return needs a reason")
    page.screenshot(path=f"{SHOTS}/report-refused.png", full_page=True)
    page.get_by_text("编辑文字（保存为新的一稿）").click()
    page.get_by_label("标题", exact=True).fill("关于青山镇农村公路养护的建议")
    page.get_by_label("修改说明（可不填）").fill("标题写明地点")
    page.get_by_role("button", name="保存修改").click()
    page.wait_for_load_state()
    check(status_text(page).startswith("已保存修改"), "the edit is a new version")
    page.get_by_role("button", name="受理采编").click()
    page.wait_for_load_state()
    check(status_text(page).startswith("已受理采编"), "accepted")
    page.get_by_role("link", name="← 社情民意").click()
    page.get_by_role("link", name=SECOND).click()
    page.wait_for_load_state()
    page.get_by_role("button", name="受理采编").click()
    page.wait_for_load_state()

    # Both could be merged (not done here: they are about different things).
    page.get_by_role("link", name="社情民意", exact=True).click()
    page.get_by_role("link", name="已采编").click()
    page.get_by_role("link", name="合并几条信息…").click()
    page.wait_for_load_state()
    check(unlabelled_inputs(page) == [], "every merge-form input has a label")
    check(page.locator("input[name=report]").count() == 2, "both accepted reports can be merged")
    page.screenshot(path=f"{SHOTS}/report-merge.png", full_page=True)
    page.get_by_role("link", name="刊物编发").click()
    page.wait_for_load_state()
    check(unlabelled_inputs(page) == [], "every issue-form input has a label")
    page.get_by_label("关于青山镇农村公路养护的建议", exact=False).check()
    page.get_by_label(SECOND, exact=False).check()
    page.get_by_role("button", name="编发").click()
    page.wait_for_load_state()
    year = TODAY[:4]
    check(status_text(page).startswith(f"已编发《社情民意》{year}年第1期"), f"issue 1: {status_text(page)}")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Word 文档").click()
    check(download.value.suggested_filename == f"report-issue-{year}-1.docx", "the Word document")
    page.screenshot(path=f"{SHOTS}/report-issues.png", full_page=True)

    page.get_by_role("link", name="已采编").click()
    page.get_by_role("link", name="关于青山镇农村公路养护的建议").click()
    page.wait_for_load_state()
    page.get_by_label("上级政协（系统内，进入其待处理）").check()
    page.get_by_role("button", name="报送", exact=True).click()
    page.wait_for_load_state()
    check(status_text(page).startswith("已报送"), "forwarded to the city")
    page.screenshot(path=f"{SHOTS}/report-forwarded.png", full_page=True)


def city_day(page):
    """The city clerk: the county's report in 下级报送, taken up, to the province, adopted, 批示."""
    page.get_by_role("link", name="社情民意", exact=True).click()
    page.get_by_role("link", name="下级报送").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="关于青山镇农村公路养护的建议").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="受理采编").click()
    page.wait_for_load_state()
    page.get_by_label("系统外单位", exact=True).check()
    page.get_by_label("系统外单位名称（如“县委办公室”）").fill("省政协办公厅")
    page.get_by_role("button", name="报送", exact=True).click()
    page.wait_for_load_state()
    check(status_text(page).startswith("已报送"), "sent to the province")
    # A 批示 before the adoption is refused, with what to do.
    page.get_by_label("领导批示").check()
    page.select_option("#level", "provincial")
    page.fill("#on_date", TODAY)
    page.get_by_label("采用单位 / 批示领导 / 办复部门").fill("副省长 某某")
    page.get_by_label("批示或办复内容（采用时可不填）").fill("请省交通运输厅研究落实。")
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state()
    check(page.get_by_role("alert").inner_text().startswith("领导批示须在信息被采用之后登记"), "a 批示 waits for an adoption")
    check(page.locator("#party").input_value() == "副省长 某某", "what was typed is kept")
    page.get_by_label("被采用").check()
    page.get_by_label("采用单位 / 批示领导 / 办复部门").fill("省政协办公厅")
    page.get_by_label("批示或办复内容（采用时可不填）").fill("")
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state()
    check(status_text(page).startswith("已登记"), "the adoption is recorded")
    page.get_by_label("领导批示").check()
    page.select_option("#level", "provincial")
    page.fill("#on_date", TODAY)
    page.get_by_label("采用单位 / 批示领导 / 办复部门").fill("副省长 某某")
    page.get_by_label("批示或办复内容（采用时可不填）").fill("请省交通运输厅研究落实。")
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state()
    check(status_text(page).startswith("已登记"), "the 批示 is recorded")
    page.screenshot(path=f"{SHOTS}/report-adopted.png", full_page=True)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        status, mine = api("GET", f"/reports/{AUTHOR['report']}", AUTHOR["token"])
        check(status == 200, "the author's report is there")
        title = mine["report"]["title"]
        county = sign_in(browser, os.environ["LVZHI_COUNTY_PHONE"], problems)
        try:
            county_day(county, title)
        except Exception:
            county.screenshot(path=f"{SHOTS}/failed.png", full_page=True)
            print(f"failed at {county.url}", file=sys.stderr)
            raise
        city = sign_in(browser, os.environ["LVZHI_CITY_PHONE"], problems)
        try:
            city_day(city)
        except Exception:
            city.screenshot(path=f"{SHOTS}/failed.png", full_page=True)
            print(f"failed at {city.url}", file=sys.stderr)
            raise
        status, seen = api("GET", f"/reports/{AUTHOR['report']}", AUTHOR["token"])
        check(seen["report"]["adopted_level"] == "provincial" and seen["report"]["instructed"], "the author's app sees the adoption and the 批示")
        county.get_by_role("link", name="社情民意", exact=True).click()
        county.get_by_role("link", name="年度统计").click()
        county.wait_for_load_state()
        check(county.get_by_text("报送 2 篇 · 采编 2 篇 · 向上报送 1 篇").count() == 1, "the county's year in figures")
        county.screenshot(path=f"{SHOTS}/report-figures.png", full_page=True)
        check(problems == [], f"no script errors or CSP violations: {problems}")
        browser.close()


if __name__ == "__main__":
    main()
