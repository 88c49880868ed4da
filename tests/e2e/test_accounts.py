"""Sign up, sign out, sign in (and back to where the customer was), bad credentials."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import expect_toast, forget_sign_up_counts


def test_signup_logout_and_login_returns_to_the_page(app_url: str, page) -> None:
    forget_sign_up_counts()
    name = f"fan_{uuid.uuid4().hex[:6]}"
    page.goto(f"{app_url}/signup")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 10 characters")
    page.get_by_label("Password", exact=True).fill("popcorn&chai7")
    page.get_by_label("Repeat password").fill("popcorn&chai7")
    page.get_by_role("button", name="Create account").click()
    # The same answer whether or not the address had an account: nobody is signed in here.
    expect(page.get_by_text("Check your email to finish")).to_be_visible()
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill("popcorn&chai7")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_have_text(name)
    expect(page).to_have_url(f"{app_url}/")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{app_url}/?signed_out=1")  # a fresh tab state: a new token
    expect_toast(page, "You are signed out")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    page.goto(f"{app_url}/login?next=/movies/paper-boats")
    page.get_by_label("Username or email").fill("mzsp_")
    page.get_by_label("Password").fill("wrong-password1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    page.get_by_label("Password").fill("pass@123")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{app_url}/movies/paper-boats")
    expect(page.get_by_test_id("signed-in-as")).to_have_text("mzsp_")
    page.reload()
    expect(page.get_by_test_id("signed-in-as")).to_have_text("mzsp_")  # the cookie keeps it
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "signed-in.png"))


def test_login_refuses_an_offsite_next(app_url: str, page) -> None:
    page.goto(f"{app_url}/login?next=//evil.example/")
    page.get_by_label("Username or email").fill("mzsp_")
    page.get_by_label("Password").fill("pass@123")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{app_url}/")
