"""Browser journeys of the staff workspace, checked with axe at 1280 and 390 px.

An agent uses the case list with the keyboard (j/k, x, o, r, ?), selects every
row at once, sorts by a column header and applies a bulk change; an admin
reads a case history and the audit log as sentences. The header stays on one
line at 1,280 px for every staff role.
"""

import re
from datetime import timedelta

from playwright.sync_api import expect

from askiso.cases import services as case_services
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from tests.browser.test_staff_journeys import _assert_no_horizontal_overflow
from tests.cases.helpers import new_case


def _three_cases(people):
    cases = [new_case(people.alpha_user, people.alpha, subject=f"Meter question {i}", commit=False)
             for i in range(3)]
    cases[0].first_response_due_at = utcnow() - timedelta(hours=2)  # breached
    cases[1].first_response_due_at = utcnow() + timedelta(hours=1)  # near
    for i, case in enumerate(cases):
        case.resolution_due_at = utcnow() + timedelta(days=1 + i)
    db.session.commit()
    return [c.number for c in cases]


def _header_lines(page):
    """How many lines the header's items take (1 when nothing wrapped): an item starting below the
    bottom of an earlier one begins a new line."""
    return page.evaluate("""() => {
        let lines = 1, bottom = null;
        for (const el of document.querySelectorAll('.header-row > *')) {
            const box = el.getBoundingClientRect();
            if (!box.width) continue;
            if (bottom !== null && box.top >= bottom) { lines += 1; bottom = box.bottom; }
            else { bottom = bottom === null ? box.bottom : Math.max(bottom, box.bottom); }
        }
        return lines;
    }""")


def test_agent_works_the_case_list_with_the_keyboard(browser, phone, people):
    numbers = _three_cases(people)
    page = browser.login(people.agent)
    page.goto("/staff/cases")
    tabs = page.get_by_role("navigation", name="Case views")
    expect(tabs.get_by_role("link", name=re.compile("Open cases"))).to_have_attribute("aria-current", "page")
    expect(page.locator("tr.sla-breached")).to_contain_text(numbers[0])
    expect(page.locator("tr.sla-near")).to_contain_text(numbers[1])
    browser.check_page("staff-case-list")
    assert _header_lines(page) == 1

    # select all, then unselect one with the keyboard
    page.get_by_label("Select all cases on this page").check()
    expect(page.locator("[data-selection-count]")).to_have_text("3 cases selected")
    page.locator("body").press("j")
    expect(page.get_by_role("link", name=numbers[0], exact=True)).to_be_focused()
    page.keyboard.press("j")
    expect(page.get_by_role("link", name=numbers[1], exact=True)).to_be_focused()
    page.keyboard.press("k")
    page.keyboard.press("x")
    expect(page.locator("[data-selection-count]")).to_have_text("2 cases selected")
    expect(page.get_by_label("Select all cases on this page")).not_to_be_checked()
    page.get_by_label("With the selected cases").select_option("priority")
    page.locator("#value_priority").select_option("high")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text(re.compile(r"Updated 2 case\(s\)"))).to_be_visible()

    # ? lists the shortcuts; Escape closes them
    help_button = page.get_by_role("button", name=re.compile("Keyboard shortcuts"))
    expect(help_button).to_be_visible()  # shown once static/js/shortcuts.js runs
    page.locator("body").press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("Next case in the list")).to_be_visible()
    browser.check_page("staff-shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # sort by a header: latest resolution due first
    page.get_by_role("link", name=re.compile("Service level")).click()
    header = page.get_by_role("columnheader", name=re.compile("Service level"))
    expect(header).to_have_attribute("aria-sort", "descending")
    links = page.locator("[data-case-link]")
    expect(links.first).to_have_text(numbers[2])
    assert "sort=due_desc" in page.url

    # o opens, r opens at the reply box
    expect(help_button).to_be_visible()
    page.locator("body").press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**/staff/cases/{numbers[2]}")
    page.go_back()
    expect(help_button).to_be_visible()
    page.locator("body").press("j")
    page.keyboard.press("r")
    page.wait_for_url(f"**/staff/cases/{numbers[2]}#reply")
    expect(page.locator("textarea").first).to_be_focused()

    # the home page shows the same tabs with counts
    page.goto("/staff")
    tabs = page.get_by_role("navigation", name="My case views")
    expect(tabs.get_by_role("link", name=re.compile(r"Open cases\s+3"))).to_be_visible()
    browser.check_page("staff-home-tabs")

    small = phone.login(people.agent)
    small.goto("/staff/cases")
    expect(small.locator("tr.sla-breached")).to_be_visible()
    phone.check_page("staff-case-list")
    _assert_no_horizontal_overflow(small)


def test_history_and_audit_read_as_sentences(browser, phone, people):
    case = new_case(people.alpha_user, people.alpha, subject="Statement question")
    case_services.update_case(case, people.agent, assignee_id=people.supervisor.id)
    case_services.update_case(case, people.agent, priority="high")
    case_services.change_status(case, people.agent, "in_progress")
    db.session.commit()
    for b in (browser, phone):
        page = b.login(people.admin)
        page.goto(f"/staff/cases/{case.number}/history")
        expect(page.get_by_text("Alex Agent assigned the case to Sam Supervisor")).to_be_visible()
        expect(page.get_by_text("Priority: Normal → High")).to_be_visible()
        expect(page.get_by_text("Status: New → In Progress")).to_be_visible()
        b.check_page("staff-case-history")
        _assert_no_horizontal_overflow(page)
        page.goto("/staff/audit/")
        expect(page.get_by_text("Alex Agent assigned the case to Sam Supervisor")).to_be_visible()
        expect(page.get_by_text("Avery Admin signed in").first).to_be_visible()
        b.check_page("audit-log")
        _assert_no_horizontal_overflow(page)
        if b.width == 1280:
            assert _header_lines(page) == 1  # an admin has the most links
