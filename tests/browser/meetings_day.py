"""An organizer prepares and holds a standing committee meeting in real Chromium.

Run by tests/tests/console/browser.rs against a live test server it has
filled with members; exits non-zero on the first thing a clerk would trip
over. Takes:

  LVZHI_ORIGIN      http://127.0.0.1:PORT
  LVZHI_PHONE       the organizer's phone
  LVZHI_PASSWORD    and password
  LVZHI_MEMBERS     a JSON list of {"name", "phone", "token"}: the body's members
  LVZHI_TIMES       a JSON object of datetime-local values: s1_start, s1_end,
                    s2_start, s2_end, deadline (the first session starts soon)
  LVZHI_SHOTS       folder for the 1366×768 screenshots
"""

import json
import os
import shutil
import sys
import urllib.error
import urllib.request

from playwright.sync_api import expect, sync_playwright

ORIGIN = os.environ["LVZHI_ORIGIN"]
SHOTS = os.environ["LVZHI_SHOTS"]
PHONE = os.environ["LVZHI_PHONE"]
PASSWORD = os.environ["LVZHI_PASSWORD"]
MEMBERS = json.loads(os.environ["LVZHI_MEMBERS"])
TIMES = json.loads(os.environ["LVZHI_TIMES"])

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


def unlabelled_inputs(page):
    """Visible form controls that no <label> names."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
              .map(el => el.name || el.id)"""
    )


def status_text(page):
    return page.get_by_role("status").inner_text()


def make_body(page):
    """会议 → 机构与届次: a body, its members picked from the roster."""
    page.get_by_role("link", name="会议", exact=True).click()
    page.get_by_role("link", name="机构与届次").click()
    check(unlabelled_inputs(page) == [], "every body-form input has a label")
    page.get_by_label("名称", exact=True).fill("第七届常务委员会")
    page.select_option("#kind", "standing")
    page.get_by_label("届次", exact=True).fill("第七届")
    page.get_by_role("button", name="建立机构").click()
    page.wait_for_load_state()
    check(status_text(page).startswith("机构已建立"), "the body is made")
    for m in MEMBERS:
        page.get_by_label("查找委员").fill(m["phone"])
        page.get_by_role("button", name="查找").click()
        page.wait_for_load_state()
        check(page.get_by_label(m["name"], exact=False).is_checked(), f"the one match is picked ({m['name']})")
        check(unlabelled_inputs(page) == [], "every membership input has a label")
        page.get_by_role("button", name="添加成员").click()
        page.wait_for_load_state()
        check(status_text(page).startswith("成员已添加"), f"{m['name']} joins")
    # The same member again: the overlap is said next to the date.
    page.get_by_label("查找委员").fill(MEMBERS[0]["phone"])
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="添加成员").click()
    page.wait_for_load_state()
    check(page.locator("#joined_on-problem").inner_text().startswith("这位委员在这段日期里已是本机构成员"), "overlap told")
    page.screenshot(path=f"{SHOTS}/body.png", full_page=True)
    # The same people from the office's list, plus one not on the roster.
    page.get_by_role("link", name="从名单导入…").click()
    page.wait_for_load_state()
    check(unlabelled_inputs(page) == [], "every list-import input has a label")
    rows = "".join(f"{m['name']},{m['phone']}\n" for m in MEMBERS) + "查无此人,13999999999\n"
    page.set_input_files("#file", {"name": "常委名单.csv", "mimeType": "text/csv", "buffer": ("姓名,手机号码\n" + rows).encode()})
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_load_state()
    told = status_text(page)
    check(told.startswith("新加入 0 人") and f"{len(MEMBERS)} 行的委员此前已是本机构成员" in told, f"nobody added twice: {told}")
    check(page.get_by_text("花名册中没有这位委员").count() == 1, "the unknown row is told")
    page.screenshot(path=f"{SHOTS}/body-import.png", full_page=True)


def plan_meeting(page):
    """新建会议: two sessions in the fixed rows, saved, then published."""
    page.get_by_role("link", name="会议", exact=True).click()
    page.get_by_role("link", name="新建会议").click()
    page.wait_for_load_state()
    check(unlabelled_inputs(page) == [], "every meeting-form input has a label")
    page.get_by_label("常委会议", exact=True).check()
    page.select_option("#body_id", label="第七届常务委员会（第七届，现有 %d 人）" % len(MEMBERS))
    page.get_by_label("会议名称", exact=True).fill("政协第七届常委会第十二次会议")
    page.get_by_label("议程（每行一项）").fill("审议常委会工作报告\n协商“十五五”规划建议\n民主评议")
    page.fill("#leave_deadline", TIMES["deadline"])
    page.fill("#session-title-1", "第一次全体会议")
    page.fill("#session-starts-1", TIMES["s1_start"])
    page.fill("#session-ends-1", TIMES["s1_end"])
    page.fill("#session-place-1", "县政协二楼会议室")
    page.fill("#session-title-2", "分组讨论")
    page.fill("#session-starts-2", TIMES["s2_start"])
    page.fill("#session-ends-2", TIMES["s2_end"])
    page.fill("#session-place-2", "各组会议室")
    page.screenshot(path=f"{SHOTS}/meeting-form.png", full_page=True)
    page.get_by_role("button", name="保存为草稿").click()
    page.wait_for_load_state()
    check(status_text(page).startswith("会议已保存为草稿"), "saved as a draft")
    page.get_by_role("link", name="发布会议通知…").click()
    page.wait_for_load_state()
    check("第七届常务委员会" in page.locator("main").inner_text(), "the confirmation names the body")
    page.screenshot(path=f"{SHOTS}/meeting-publish.png")
    page.get_by_role("button", name="确认发布会议通知").click()
    page.wait_for_load_state()
    check(status_text(page).startswith("会议通知已发出"), "published")
    check(f"应到 {len(MEMBERS)} 人" in page.locator(".card").first.inner_text(), "everyone summoned")
    meeting = page.url.split("/console/meetings/")[1].split("?")[0]
    # 会议材料: the agenda as a PDF, for the members' phones.
    page.get_by_role("link", name="上传材料…").click()
    page.wait_for_load_state()
    check(unlabelled_inputs(page) == [], "every document-form input has a label")
    page.set_input_files("#file", {"name": "会议议程.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% agenda\n"})
    page.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state()
    check(status_text(page).startswith("会议材料已上传"), "the document is up")
    check(page.get_by_role("link", name="会议议程", exact=True).count() == 1, "listed on the meeting")
    page.screenshot(path=f"{SHOTS}/meeting-documents.png", full_page=True)
    return meeting


def main():
    os.makedirs(SHOTS, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        problems = []
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

        page.goto(f"{ORIGIN}/console/login")
        page.fill("#phone", PHONE)
        page.fill("#password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{ORIGIN}/console/today")

        try:
            make_body(page)
            meeting = plan_meeting(page)
        except Exception:
            page.screenshot(path=f"{SHOTS}/failed.png", full_page=True)
            print(f"failed at {page.url}", file=sys.stderr)
            raise
        status, found = api("GET", f"/meetings/{meeting}", MEMBERS[0]["token"])
        check(status == 200 and found["me"]["answer"] == "pending", "a member's app sees the notice")
        session = found["sessions"][0]["id"]

        # A member asks for leave from the app; the office approves it.
        status, _ = api("POST", f"/meetings/{meeting}/responses", MEMBERS[3]["token"], {"answer": "leave", "reason": "在省里开会"})
        check(status == 200, f"the member asks for leave ({status})")
        page.get_by_role("link", name="请假审批", exact=True).click()
        page.wait_for_load_state()
        check(page.get_by_text("在省里开会").count() == 1, "the queue shows the request")
        check(unlabelled_inputs(page) == [], "every queue input has a label")
        page.get_by_role("button", name="不准假", exact=True).click()
        page.wait_for_load_state()
        check(page.get_by_text("不准假时请写明理由").count() == 1, "refusing needs a note")
        page.screenshot(path=f"{SHOTS}/leave-queue.png", full_page=True)
        page.get_by_role("button", name="准假", exact=True).click()
        page.wait_for_load_state()
        check(status_text(page).startswith("已准假"), "approved")

        # The quorum board on the projector: nobody yet.
        page.goto(f"{ORIGIN}/console/meetings/{meeting}")
        page.get_by_role("link", name="法定人数看板").click()
        page.wait_for_load_state()
        check(page.locator(".verdict").first.inner_text() == "未达法定人数", "no quorum before anyone comes")
        page.screenshot(path=f"{SHOTS}/quorum-empty.png")

        # The first session's check-in screen: members type its digits.
        page.goto(f"{ORIGIN}/console/meetings/{meeting}")
        page.get_by_role("link", name="打开签到屏").first.click()
        page.wait_for_load_state()
        digits = page.locator(".digits").inner_text().strip()
        check(len(digits) == 6 and digits.isdigit(), f"six digits on the screen ({digits})")
        check(page.locator("img[alt=签到二维码]").count() == 1, "and the QR code")
        for m in MEMBERS[:2]:
            status, _ = api("POST", f"/meetings/{meeting}/sessions/{session}/checkins", m["token"], {"code": digits})
            check(status == 200, f"{m['name']} checks in ({status})")
        expect(page.locator(".tally .big")).to_have_text("2", timeout=15000)
        check(True, "the check-in count updated without a reload")
        page.screenshot(path=f"{SHOTS}/session-checkin.png")

        # Back to the board: a third arrival reaches the quorum while it is shown.
        page.get_by_role("link", name="返回会议页").click()
        page.get_by_role("link", name="法定人数看板").click()
        page.wait_for_load_state()
        status, _ = api("POST", f"/meetings/{meeting}/sessions/{session}/checkins", MEMBERS[2]["token"], {"code": digits})
        check(status == 200, "a third member checks in")
        expect(page.locator(".verdict").first).to_have_text("已达法定人数", timeout=15000)
        check(True, "the board turned to quorate without a reload")
        page.screenshot(path=f"{SHOTS}/quorum.png")

        # The meeting page with its leave and attendance grid.
        page.get_by_role("link", name="返回会议页").click()
        page.wait_for_load_state()
        check(page.locator("td.att-present").count() == 3, "three present in the grid")
        page.screenshot(path=f"{SHOTS}/meeting.png", full_page=True)

        # 民主评议: set up, opened, voted from the app, closed, results.
        page.get_by_role("link", name="设置民主评议").click()
        page.wait_for_load_state()
        check(unlabelled_inputs(page) == [], "every appraisal-form input has a label")
        page.get_by_label("评议名称").fill("2026 年度政府部门民主评议")
        page.get_by_label("被评议的部门（每行一个，按测评票上的顺序）").fill("县教育局\n县卫生健康局\n县住房城乡建设局")
        page.get_by_role("button", name="保存评议").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="开始投票").click()
        page.wait_for_load_state()
        check(status_text(page) == "投票已开始。", "voting open")
        round_id = page.url.split("/console/appraisals/")[1].split("?")[0]
        status, appraisal = api("GET", f"/appraisals/{round_id}", MEMBERS[0]["token"])
        departments = [d["id"] for d in appraisal["departments"]]
        for m, ratings in zip(MEMBERS[:3], [
            ["satisfied", "unsatisfied", "basically_satisfied"],
            ["satisfied", "basically_satisfied", "unsatisfied"],
            ["basically_satisfied", "unsatisfied", "cannot_judge"],
        ]):
            answers = [{"department_id": d, "rating": r} for d, r in zip(departments, ratings)]
            status, _ = api("POST", f"/appraisals/{round_id}/ballots", m["token"], {"answers": answers})
            check(status == 201, f"{m['name']} votes ({status})")
        page.reload()
        check(page.get_by_text("满意率").count() == 0, "no results while voting")
        page.get_by_role("link", name="结束投票…").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="确认结束投票").click()
        page.wait_for_load_state()
        check(page.locator("table.results tbody tr").count() == 3, "the results after the close")
        page.select_option("#department_id", label="县卫生健康局")
        page.get_by_label("整改事项", exact=True).fill("缩短县医院门诊候诊时间")
        page.fill("#due_on", "2026-12-31")
        page.get_by_role("button", name="添加整改事项").click()
        page.wait_for_load_state()
        check(status_text(page) == "整改事项已添加。", "a rectification is added")
        check(unlabelled_inputs(page) == [], "every rectification input has a label")
        page.screenshot(path=f"{SHOTS}/appraisal-results.png", full_page=True)

        check(problems == [], f"no script errors or CSP violations: {problems}")
        browser.close()


if __name__ == "__main__":
    main()
