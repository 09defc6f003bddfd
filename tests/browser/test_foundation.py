"""Browser journeys of the foundation: sign-in, two-factor, sign-out, not-found."""

import pyotp
from playwright.sync_api import expect

from askiso.extensions import db
from tests import factories


def test_sign_in_page_is_accessible_at_both_widths(browser, phone):
    for b in (browser, phone):
        b.goto("/login")
        b.check_page("sign-in")


def test_keyboard_user_can_sign_in_with_skip_link(browser, people):
    page = browser.goto("/login")
    # The email field has autofocus; from the top of the page, Tab reaches the skip link first.
    assert page.evaluate("document.activeElement.id") == "email"
    first = "document.querySelector('a[href], button, input:not([type=hidden]), select, textarea').className"
    assert page.evaluate(first) == "skip-link"
    page.locator(".skip-link").focus()
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.get_by_label("Email").focus()
    page.keyboard.type(people.alpha_user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_wrong_password_shows_one_generic_message(browser, people):
    page = browser.goto("/login")
    page.get_by_label("Email").fill(people.alpha_user.email)
    page.get_by_label("Password").fill("not-the-right-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").first.inner_text().strip().startswith("That email and password")
    browser.check_page("sign-in-error")


def test_participant_turns_on_two_factor_and_signs_in_with_it(browser, new_browser, people):
    user = people.alpha_user
    page = browser.login(user)
    page.goto("/account/two-factor")
    browser.check_page("two-factor-setup")
    secret = page.locator(".secret-key").inner_text().strip()
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor").click()
    # expect() waits for the page the click leads to; count() read whatever page was there (flaky under load).
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    browser.check_page("recovery-codes")
    db.session.expire_all()
    other = new_browser()
    page2 = other.login(db.session.get(type(user), user.id))
    assert page2.get_by_role("button", name="Sign out").is_visible()


def test_staff_sign_in_with_totp_reaches_staff_pages(browser, people):
    page = browser.login(people.admin)
    page.goto("/staff/audit/")
    assert page.get_by_role("heading", name="Audit log").is_visible()
    browser.check_page("audit-log")


def test_signed_out_visitor_gets_sign_in_for_protected_pages(browser):
    page = browser.goto("/account/two-factor")
    assert "/login" in page.url


def test_not_found_page(browser, people):
    browser.login(people.alpha_user)
    page = browser.goto("/cases/AI-2026-999999")
    assert page.get_by_role("heading", name="Page not found").is_visible()
    browser.check_page("not-found")
