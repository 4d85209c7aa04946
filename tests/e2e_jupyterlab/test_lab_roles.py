"""A role profile in JupyterLab, driven like a person in headless Chromium against the
emulator: AWS: Login with Profile ``admin`` (``role_arn`` + ``source_profile = console``)
signs in ``console`` and the status bar shows ``aws: admin (via console) · 11h``; AWS:
Logout from the status bar's menu says that the refresh token was revoked and leaves the
role shown as not logged in.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import AwsHome

from .conftest import Lab, palette_row, sign_in_in_new_tab
from .test_lab_extension import ARTIFACTS, open_lab, page, shot, status_item  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROLE = "arn:aws:iam::222222222222:role/Admin"


def test_login_and_logout_of_a_role_profile(page: Any, lab: Lab,  # noqa: F811
                                            aws_home: AwsHome) -> None:
    aws_home.config.write_text(f"[profile console]\nregion = us-east-1\n"
                               f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = console\n")
    open_lab(page, lab)
    palette_row(page, "AWS: Login").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".aws-login-dialog").wait_for()
    # The profile list offers the role profile.
    assert "admin" in dialog.locator("datalist option").evaluate_all(
        "options => options.map(o => o.value)")
    dialog.get_by_label("Profile").fill("admin")
    dialog.get_by_role("button", name="Sign in", exact=True).click()
    link = dialog.get_by_role("link", name=re.compile("^Open sign-in page"))
    link.wait_for()
    assert dialog.locator(".aws-login-message").inner_text().startswith(
        "Profile 'admin' assumes its role with the session of profile 'console': this signs "
        "in profile 'console'.")
    code = sign_in_in_new_tab(page, link, dialog.locator(".aws-login-url").inner_text())
    dialog.get_by_label("Verification code").fill(code)
    dialog.get_by_role("button", name="Complete sign-in").click()
    dialog.locator(".aws-login-message").filter(
        has_text="Profile 'admin' assumes its role with this session.").wait_for()
    dialog.get_by_role("button", name="Close").click()
    dialog.wait_for(state="detached")

    item = status_item(page)
    item.filter(has_text=re.compile(r"^aws: admin \(via console\) · \d+h$")).wait_for()
    tooltip = item.get_attribute("title") or ""
    assert f"Role: {ROLE}" in tooltip and "Session of profile console: arn:aws:sts::" in tooltip
    shot(page, "20-role-logged-in.png")
    assert "login_session = arn:aws:sts::" in aws_home.config.read_text().split(
        "[profile admin]")[0]

    item.click()
    page.locator(".aws-login-status-menu").get_by_text("AWS: Logout").click()
    page.get_by_text(re.compile(
        r"Logged out of profile 'console' \(the session profile 'admin' assumes its role "
        r"with\)\. AWS Sign-In revoked its refresh token")).first.wait_for()
    item.filter(has_text="aws: admin (via console) · not logged in").wait_for()
    shot(page, "21-role-logged-out.png")
    assert list(aws_home.cache_dir.glob("*.json")) == []
