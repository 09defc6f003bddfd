"""The staff case page's composer in a browser (axe-checked, screenshots at 1280 and 390 px).

An agent answers, sets Waiting on Participant and raises the priority in one submit; an internal
note is visibly different and the switch returns to Public reply once it is saved; a colleague
opening the same case shows up live.
"""

import re

from playwright.sync_api import expect

from askiso.extensions import db
from askiso.staff.macros import Macro
from tests.cases.helpers import new_case

AMBER = "rgb(122, 74, 0)"  # --amber-800, the internal-note border


def _case(people):
    case = new_case(people.alpha_user, people.alpha, subject="Missing FTR auction credit on statement")
    db.session.add(Macro(name="Ask for the statement", body="Please send the statement.", status="waiting"))
    db.session.commit()
    return case.number


DROP = """(zone, name) => {
  const data = new DataTransfer();
  data.items.add(new File(["%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n"], name, {type: "application/pdf"}));
  zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
}"""


def _drop_file(page, name):
    zone = page.locator("[data-dropzone]")
    expect(zone.locator(".dropzone-hint")).to_be_visible()
    zone.evaluate(DROP, name)


def test_agent_notes_then_answers_sets_waiting_and_raises_priority_in_one_submit(browser, new_browser, people):
    number = _case(people)
    page = browser.login(people.agent)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/staff/cases/{number}")
    composer = page.locator("#composer")
    box = composer.get_by_label("Message (Markdown)")
    expect(box).to_be_in_viewport()  # a short case: the composer is on the first screen
    expect(composer.get_by_label("Public reply")).to_be_checked()
    browser.check_page("staff-case-composer")

    # Internal note: the whole composer turns amber and says so; the button says what it does.
    composer.get_by_label("Internal note").check()
    expect(page.locator("#note-banner")).to_be_visible()
    expect(composer).to_have_css("border-top-color", AMBER)
    composer.get_by_label("Message (Markdown)").fill("Checked the settlement run: a data issue.")
    browser.check_page("staff-case-composer-note")
    composer.get_by_role("button", name="Save internal note").click()
    expect(page.locator(".message-internal", has_text="a data issue")).to_be_visible()
    expect(page.locator(".flash-success")).to_contain_text("Internal note saved")
    expect(composer.get_by_label("Public reply")).to_be_checked()
    expect(page.locator("#note-banner")).to_be_hidden()
    expect(composer.get_by_role("button", name="Send reply")).to_be_visible()

    # A colleague opens the case: the agent sees them, live.
    colleague = new_browser()
    colleague.login(people.supervisor).goto(f"/staff/cases/{number}")
    expect(page.locator("#presence")).to_have_text(re.compile("Sam Supervisor is viewing"), timeout=15000)

    # One submit: the answer, Waiting on Participant and a higher priority.
    composer.get_by_label("Message (Markdown)").fill("Please send the statement for operating day 2026-03-02.")
    page.get_by_label("Priority", exact=True).select_option("high")
    composer.get_by_label("Status after sending").select_option(label="Waiting on Participant")
    _drop_file(page, "statement-request.pdf")  # by drag and drop; sent with an upload progress bar
    assert page.evaluate("document.getElementById('reply-files').files.length") == 1
    composer.get_by_role("button", name="Send and set status").click()
    expect(page.locator(".flash-success")).to_contain_text("Reply sent to the participant. Saved: priority, status.")
    expect(page.locator(".page-head .badge").first).to_have_text("Waiting on Participant")
    expect(page.locator(".page-head .badge").nth(1)).to_have_text("High")
    answer = page.locator(".message-staff", has_text="operating day 2026-03-02")
    expect(answer).to_be_visible()
    expect(answer.get_by_role("link", name="statement-request.pdf")).to_be_visible()
    expect(composer.get_by_label("Public reply")).to_be_checked()
    browser.check_page("staff-case-answered")

    # A macro in one click.
    page.get_by_role("button", name="Ask for the statement").click()
    expect(page.locator(".flash-success")).to_contain_text("Macro “Ask for the statement” applied.")

    # The same page on a phone.
    page.set_viewport_size({"width": 390, "height": 900})
    browser.width = 390
    page.goto(f"/staff/cases/{number}")
    composer.get_by_label("Internal note").check()
    expect(page.locator("#note-banner")).to_be_visible()
    browser.check_page("staff-case-composer-note")
    composer.get_by_label("Public reply").check()
    browser.check_page("staff-case-answered")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the case page scrolls sideways by {overflow}px"
    page.goto("/staff/macros")
    browser.check_page("staff-macros")
    page.set_viewport_size({"width": 1280, "height": 800})
    browser.width = 1280
    browser.check_page("staff-macros")
