#!/usr/bin/env python3
"""Seeds a fresh Lvzhi server through its HTTP API for the schemathesis run.

Signs in as the first admin, adds a sector, a member (activated), a published
activity the member signs up for, a draft one and an announcement. Writes the
ids it made as schemathesis dictionaries (ids.dict, members.dict, roles.dict) into
OUT_DIR and prints shell assignments (ADMIN_TOKEN=…, MEMBER_TOKEN=…) to eval.

Usage: seed.py BASE_URL ADMIN_PHONE ADMIN_PASSWORD OUT_DIR
"""

import datetime
import json
import os
import shlex
import sys
import urllib.error
import urllib.request


def call(base, method, path, body=None, token=None, expect=(200, 201)):
    req = urllib.request.Request(base + path, method=method)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, data, timeout=30) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    if status not in expect:
        sys.exit(f"seed: {method} {path} answered {status}: {raw[:500]!r}")
    return json.loads(raw) if raw else None


def main():
    base, admin_phone, admin_password, out_dir = sys.argv[1:5]
    admin = call(base, "POST", "/auth/login", {"phone": admin_phone, "password": admin_password})
    token = admin["access_token"]

    # The first start creates the usual sectors; add one of our own too.
    call(base, "POST", "/sectors", {"name": "模糊测试界"}, token)
    created = call(
        base,
        "POST",
        "/members",
        {"name": "测试委员", "phone": "13900000001", "sector": "模糊测试界", "gender": "female"},
        token,
    )
    member = call(
        base,
        "POST",
        "/auth/activate",
        {
            "phone": "13900000001",
            "activation_code": created["activation"]["code"],
            "new_password": "password-123",
        },
    )

    starts = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=7)
    activity = {
        "kind": "training",
        "title": "学习培训",
        "capacity": 10,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + datetime.timedelta(hours=2)).isoformat(),
        "location": "政协会议室",
        "study_hours": 2.0,
    }
    draft = call(base, "POST", "/activities", activity, token)
    published = call(base, "POST", f"/activities/{draft['id']}/publish", None, token)
    call(base, "POST", f"/activities/{draft['id']}/signups", {}, member["access_token"])
    # A second one left as a draft, so both states are in the lists.
    inspection = call(
        base, "POST", "/activities", dict(activity, title="视察调研", kind="inspection"), token
    )
    announced = call(
        base,
        "POST",
        "/announcements",
        {"title": "通知", "body": "请按时参加。", "audience": {"kind": "committee"}},
        token,
    )
    inbox = call(base, "GET", "/me/notifications", None, member["access_token"])

    member_id = created["member"]["id"]
    ids = [published["id"], inspection["id"], member_id, announced["id"]]
    ids += [n["id"] for n in inbox["items"]]
    roles = [r["id"] for r in published["roles"] + inspection["roles"]]
    write_dictionary(out_dir, "ids.dict", ids)
    write_dictionary(out_dir, "members.dict", [member_id])
    write_dictionary(out_dir, "roles.dict", roles)

    print(f"ADMIN_TOKEN={shlex.quote(token)}")
    print(f"MEMBER_TOKEN={shlex.quote(member['access_token'])}")


def write_dictionary(out_dir, name, values):
    """One quoted value a line: the libFuzzer dictionary format schemathesis reads."""
    with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
        f.writelines(f'"{v}"\n' for v in values)


if __name__ == "__main__":
    main()
