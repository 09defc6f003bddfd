"""Browser journeys of non-participants and ISO staff, checked with axe at 1280 and 390 px.

A person without an account sends an inquiry and follows it by its private link;
an agent with two-factor works a participant's case end to end (take, internal
note, canned reply, waiting on participant, participant answers); a supervisor
reads the reports; an admin opens the administration pages; staff without
two-factor are sent to enrolment first.
"""

import re

from playwright.sync_api import expect

from askiso.extensions import db
from askiso.search.worker import process_queue
from askiso.staff.models import CannedResponse
from tests import factories
from tests.browser.conftest import deliver_mail, find_link
from tests.cases.helpers import new_case

INQUIRER = "quinn.public@example.test"
NOTE = "Internal only: checked the settlement run, looks like a data issue"
CANNED_TEXT = "Thank you for contacting ISO Participant Support about {case_number}."


def _send_inquiry(b, app):
    """From the sign-in page to the "check your mail" page; returns the page."""
    app.config["INQUIRY_MIN_FILL_SECONDS"] = 0
    page = b.goto("/login")
    page.get_by_role("link", name="Submit an inquiry").click()
    expect(page.get_by_role("heading", name="Submit an inquiry")).to_be_visible()
    b.check_page("inquiry-form")
    page.get_by_label("Your name").fill("Quinn Public")
    page.get_by_label("Your email address").fill(INQUIRER)
    page.get_by_label("Organization (optional)").fill("Grid Research Lab")
    page.get_by_label("Kind of request").select_option(label="General question")
    page.get_by_label("Subject", exact=True).fill("Where are the hourly LMP files?")
    page.get_by_label("Your question or request").fill("Which page lists the hourly LMP data files?")
    page.get_by_role("button", name="Send inquiry").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    b.check_page("inquiry-sent")
    return page


def test_non_participant_sends_confirms_follows_and_replies_to_an_inquiry(browser, phone, app):
    page = _send_inquiry(browser, app)

    confirm = find_link(deliver_mail(app), INQUIRER, r"https?://\S+/inquiries/confirm/\S+")
    page.goto(confirm)
    expect(page.get_by_role("heading", name="Confirm your inquiry")).to_be_visible()
    browser.check_page("inquiry-confirm")
    page.get_by_role("button", name="Confirm and send").click()
    expect(page.get_by_role("heading", name="Inquiry received")).to_be_visible()
    number = page.locator(".receipt-number").inner_text().strip()
    assert re.fullmatch(r"AI-\d{4}-\d{6}", number)
    browser.check_page("inquiry-receipt")

    page.locator(".receipt a").click()
    expect(page.get_by_role("heading", name=re.compile(number))).to_be_visible()
    expect(page.get_by_text("Which page lists the hourly LMP data files?")).to_be_visible()
    browser.check_page("inquiry-tracking")
    page.get_by_label("Your reply").fill("Also: are the files available as CSV?")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply was sent.")).to_be_visible()
    expect(page.locator(".conversation")).to_contain_text("are the files available as CSV?")
    tracking = page.url

    # The receipt mail carries the same tracking link.
    mailed = find_link(deliver_mail(app), INQUIRER, r"https?://\S+/inquiries/t/\S+")
    assert mailed.split("/inquiries/t/")[1] == tracking.split("/inquiries/t/")[1]

    page.get_by_role("button", name="Create an account").click()
    expect(page.locator(".flash").first).to_be_visible()
    set_password = find_link(deliver_mail(app), INQUIRER, r"https?://\S+/set-password/\S+")
    page.goto(set_password)
    browser.check_page("inquiry-set-password")

    # The same pages on a phone.
    phone.goto("/inquiries/new")
    phone.check_page("inquiry-form")
    phone.goto("/inquiries/sent")
    phone.check_page("inquiry-sent")
    phone.goto(confirm)
    expect(phone.page.get_by_role("heading", name="Already confirmed")).to_be_visible()
    phone.check_page("inquiry-confirm-done")
    phone.goto(tracking)
    expect(phone.page.locator(".conversation")).to_contain_text("are the files available as CSV?")
    phone.check_page("inquiry-tracking")
    _assert_no_horizontal_overflow(phone.page)


def _assert_no_horizontal_overflow(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        wide = page.evaluate(WIDEST_ELEMENTS)
        raise AssertionError(f"{page.url} scrolls sideways by {overflow}px; too wide: {wide}")


# The innermost elements that stick out past the right edge of the viewport.
WIDEST_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1);
  return out.filter(e => !out.some(o => o !== e && e.contains(o))).slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')}`);
}"""


def _open_case(people):
    case = new_case(people.alpha_user, people.alpha, subject="Missing FTR auction credit on statement")
    db.session.add(CannedResponse(title="Acknowledge", body=CANNED_TEXT, queue_id=None, is_active=True))
    db.session.commit()
    return case.number


def _agent_takes_notes_and_answers(b, agent, number):
    page = b.login(agent)
    expect(page.get_by_role("heading", name="Workspace")).to_be_visible()
    b.check_page("staff-home")
    page.get_by_role("link", name="All cases").first.click()
    filters = page.get_by_role("search", name="Filter cases")
    filters.get_by_label("Assignee").select_option("unassigned")
    filters.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    b.check_page("staff-cases")
    page.get_by_role("link", name=re.compile(number)).first.click()
    expect(page.get_by_role("heading", name=re.compile(number))).to_be_visible()
    b.check_page("staff-case")

    page.get_by_role("button", name="Take (assign to me)").click()
    expect(page.locator("dd", has_text="Alex Agent")).to_be_visible()
    composer = page.locator("#composer")
    composer.get_by_label("Internal note").check()
    composer.get_by_label("Message (Markdown)").fill(NOTE)
    composer.get_by_role("button", name="Save internal note").click()
    expect(page.locator(".message-internal", has_text=NOTE)).to_be_visible()

    composer = page.locator("#composer")
    expect(composer.get_by_label("Public reply")).to_be_checked()  # the switch is back on public
    composer.get_by_label("Canned response").select_option(label="Acknowledge (all queues)")
    composer.get_by_role("button", name="Insert").click()
    box = composer.get_by_label("Message (Markdown)")
    expect(box).to_have_value(re.compile(f"about {number}"))
    box.press("End")
    box.type(" We are looking into the missing credit.")
    composer.get_by_role("button", name="Send reply").click()
    expect(page.locator(".message-staff", has_text="We are looking into the missing credit.")).to_be_visible()

    page.get_by_label("Status", exact=True).select_option(label="Waiting on Participant")
    page.get_by_role("button", name="Save properties").click()
    expect(page.locator(".page-head .badge").first).to_have_text("Waiting on Participant")
    b.check_page("staff-case-worked")
    return page


def test_agent_works_a_case_and_the_participant_answers(browser, new_browser, people):
    number = _open_case(people)
    agent_page = _agent_takes_notes_and_answers(browser, people.agent, number)

    participant = new_browser()
    page = participant.login(people.alpha_user)
    page.goto(f"/cases/{number}")
    expect(page.get_by_text("We are looking into the missing credit.")).to_be_visible()
    expect(page.get_by_text(f"Thank you for contacting ISO Participant Support about {number}.")).to_be_visible()
    assert NOTE not in page.content()
    page.get_by_label("Your reply").fill("The statement is for operating day 2026-03-02.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("The statement is for operating day 2026-03-02.")).to_be_visible()
    assert NOTE not in page.content()
    process_queue()  # the index writer runs in a worker thread outside tests
    page.goto("/search?q=missing")
    expect(page.get_by_role("link", name=re.compile(number))).to_be_visible()
    assert NOTE not in page.content()
    participant.check_page("search-participant")
    page.goto("/search?q=settlement")
    assert number not in page.content()  # the note's words find nothing for the participant

    agent_page.reload()
    expect(agent_page.locator(".page-head .badge").first).to_have_text("In Progress")
    expect(agent_page.get_by_text("The statement is for operating day 2026-03-02.")).to_be_visible()
    agent_page.goto("/search?q=settlement")
    expect(agent_page.get_by_role("link", name=re.compile(number))).to_be_visible()
    browser.check_page("search-staff")

    # The same pages on a phone: the same signed-in browsers, narrowed.
    _narrow(browser)
    for path, name in (("/staff", "staff-home"), ("/staff/cases", "staff-cases"),
                       (f"/staff/cases/{number}", "staff-case"), ("/search?q=settlement", "search-staff")):
        agent_page.goto(path)
        expect(agent_page.locator("h1")).to_be_visible()
        browser.check_page(name)
        _assert_no_horizontal_overflow(agent_page)
    agent_page.goto(f"/staff/cases/{number}")
    agent_page.get_by_role("button", name="Save properties").scroll_into_view_if_needed()
    expect(agent_page.get_by_role("button", name="Save properties")).to_be_in_viewport()
    _narrow(participant)
    page.goto("/search?q=missing")
    participant.check_page("search-participant")
    _assert_no_horizontal_overflow(page)


def _narrow(b, width=390):
    """Turn a signed-in desktop browser into a phone-width one (screenshots get the new width)."""
    b.page.set_viewport_size({"width": width, "height": 900})
    b.width = width


def test_supervisor_reads_reports_and_admin_opens_administration(browser, people):
    new_case(people.alpha_user, people.alpha, subject="Backlog example")
    page = browser.login(people.supervisor)
    for width in (1280, 390):
        _narrow(browser, width)
        page.goto("/staff/reports")
        expect(page.get_by_role("heading", name=re.compile("Reports"))).to_be_visible()
        charts = page.locator("figure.chart svg")  # inline SVG (tests/browser/test_report_journeys.py)
        assert charts.count() >= 2
        assert page.locator("table.responsive-table").count() >= 3
        browser.check_page("reports")
        _assert_no_horizontal_overflow(page)
        _check_pages(browser, (("/staff/admin", "admin-index"), ("/staff/admin/canned", "admin-canned"),
                               ("/staff/admin/canned/new", "admin-canned-new"),
                               ("/staff/admin/holidays", "admin-holidays")))
    browser.logout()

    page = browser.login(people.admin)
    for width in (1280, 390):
        _narrow(browser, width)
        _check_pages(browser, (("/staff/admin/queues", "admin-queues"), ("/staff/audit/", "audit-log"),
                               ("/staff/mail/outbox", "mail-outbox"), ("/staff/mail/inbound", "mail-inbound")))
    page.goto("/staff/mail/outbox")
    expect(page.locator("main")).to_contain_text("given up after 2 days.")


def _check_pages(b, pages):
    for path, name in pages:
        b.page.goto(path)
        expect(b.page.locator("h1")).to_be_visible()
        b.check_page(name)
        _assert_no_horizontal_overflow(b.page)


def test_staff_without_two_factor_must_enrol_before_any_staff_page(browser):
    user = factories.make_user("new.agent@iso.test", "Nia New", staff_role="agent", totp=False)
    db.session.commit()
    page = browser.login(user)
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    for path in ("/staff", "/staff/cases", "/search?q=x", "/"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    browser.check_page("staff-enrol-two-factor")
