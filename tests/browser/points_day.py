"""履职积分 in real Chromium: a county clerk reads the year's 通报, changes a
rule (thresholds upside down refused first), records a plenary speech for a
member, opens that member's record, accepts a member's dispute with an
adjustment and closes the year once they ticked that they checked.

Run by tests/tests/console/browser.rs against a live test server whose
committee has members with entries and one open dispute. Takes:

  LVZHI_ORIGIN    http://127.0.0.1:PORT
  LVZHI_PHONE     the clerk's phone
  LVZHI_PASSWORD  their password
  LVZHI_MEMBER    the name of the member whose speech is recorded
  LVZHI_TODAY     YYYY-MM-DD in the committee's time zone
  LVZHI_SHOTS     folder for the 1366×768 screenshots
"""

import os
import shutil
import sys

from playwright.sync_api import sync_playwright

ORIGIN = os.environ["LVZHI_ORIGIN"]
SHOTS = os.environ["LVZHI_SHOTS"]
MEMBER = os.environ["LVZHI_MEMBER"]
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


def unlabelled_inputs(page):
    """Visible form controls that no <label> names."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
              .map(el => el.name || el.id)"""
    )


def main():
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.goto(f"{ORIGIN}/console/login")
        page.fill("#phone", os.environ["LVZHI_PHONE"])
        page.fill("#password", os.environ["LVZHI_PASSWORD"])
        page.keyboard.press("Enter")
        page.wait_for_url(f"{ORIGIN}/console/today")

        page.get_by_role("link", name="履职积分", exact=True).click()
        page.wait_for_load_state()
        check(page.get_by_role("heading", name="年度履职积分通报").count() == 1 or "履职积分通报" in page.content(), "the 通报")
        check(page.get_by_role("link", name=MEMBER).count() == 1, "the member is listed")
        check(unlabelled_inputs(page) == [], "every 通报 input has a label")
        page.screenshot(path=f"{SHOTS}/points-summary.png", full_page=True)

        page.get_by_role("link", name="积分规则").click()
        page.wait_for_load_state()
        check(unlabelled_inputs(page) == [], "every rules input has a label")
        page.get_by_label("提交提案").fill("6")
        page.get_by_label("合格：总分不低于（以下为不合格）").fill("95")
        page.get_by_role("button", name="保存规则").click()
        page.wait_for_load_state()
        check("合格分数线不能高于优秀分数线" in page.get_by_role("alert").inner_text(), "thresholds upside down refused")
        check(page.get_by_label("提交提案").input_value() == "6", "the typing is kept")
        page.screenshot(path=f"{SHOTS}/points-rules-refused.png", full_page=True)
        page.get_by_label("合格：总分不低于（以下为不合格）").fill("60")
        page.get_by_role("button", name="保存规则").click()
        page.wait_for_load_state()
        check("积分规则已保存" in page.get_by_role("status").inner_text(), "rules saved")

        page.get_by_role("link", name="登记履职事项").click()
        page.wait_for_load_state()
        check(unlabelled_inputs(page) == [], "every entry input has a label")
        page.get_by_label("委员").select_option(label=MEMBER)
        page.get_by_label("事项").select_option(label="大会发言")
        page.get_by_label("证明材料（提案号、发言题目、稿件标题和刊发媒体等）").fill("全会大会发言：县域医共体建设")
        page.get_by_label("日期（计入这一日期所在年度）").fill(TODAY)
        page.get_by_role("button", name="登记").click()
        page.wait_for_load_state()
        check("已登记" in page.get_by_role("status").inner_text(), "the speech is recorded")
        page.screenshot(path=f"{SHOTS}/points-entries.png", full_page=True)

        page.get_by_role("link", name="积分通报").click()
        page.get_by_role("link", name=MEMBER).click()
        page.wait_for_load_state()
        check("县域医共体建设" in page.content(), "the record shows the entry's source")
        page.screenshot(path=f"{SHOTS}/points-record.png", full_page=True)

        page.get_by_role("link", name="委员申诉").click()
        page.wait_for_load_state()
        check(unlabelled_inputs(page) == [], "every dispute input has a label")
        page.get_by_label("调整分值（受理时填写，扣分填负数）").fill("3")
        page.get_by_label("答复（委员会收到）").fill("核实为市级媒体刊发，补记")
        page.get_by_role("button", name="受理并调整").click()
        page.wait_for_load_state()
        check("已受理并调整积分" in page.get_by_role("status").inner_text(), "dispute accepted")
        page.screenshot(path=f"{SHOTS}/points-disputes.png", full_page=True)

        page.get_by_role("link", name="积分通报").click()
        page.wait_for_load_state()
        page.get_by_label("我已核对上面的积分").check()
        page.get_by_role("button", name=f"结算{TODAY[:4]}年度积分").click()
        page.wait_for_load_state()
        check("年度积分已结算" in page.get_by_role("status").inner_text(), "the year is closed")
        page.screenshot(path=f"{SHOTS}/points-closed.png", full_page=True)
        browser.close()
    check(problems == [], f"no page errors: {problems}")


if __name__ == "__main__":
    main()
