"""Browser journey of the reports: a supervisor reads the last 90 days at 1280 and 390 px, drills
from a bar into the case list and downloads a table; the submitter rates a resolved case from the
link in the resolution email, without signing in, and the supervisor sees the rating."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from askiso.cases import services as case_services
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.staff import sla
from tests.browser.conftest import deliver_mail, find_link
from tests.browser.test_staff_journeys import _assert_no_horizontal_overflow, _narrow
from tests.cases.helpers import new_case


def _history(people):
    """Cases received over the last weeks, answered, and one resolved by the agent (its email is queued)."""
    now = utcnow()
    for i in range(6):
        case = new_case(
            people.alpha_user if i % 2 else people.beta_user,
            people.alpha if i % 2 else people.beta,
            subject=f"History case {i}",
            commit=False,
        )
        case.received_at = now - timedelta(days=3 + 9 * i)
        sla.apply_due_times(case)
        case.first_response_at = case.received_at + timedelta(hours=2)
    db.session.commit()
    resolved = new_case(people.alpha_user, people.alpha, subject="Resolved for rating")
    case_services.add_message(resolved, people.agent, "Here is your answer.")
    case_services.change_status(resolved, people.agent, "resolved")
    db.session.commit()
    return resolved


def test_supervisor_reads_drills_and_exports_and_a_submitter_rates_from_the_email(browser, new_browser, people, app):
    resolved = _history(people)
    link = find_link(deliver_mail(app), people.alpha_user.email, r"https?://\S+/rate/\S+\?score=good")

    rater = new_browser(390)
    page = rater.goto(link)
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    expect(page.get_by_label("Good")).to_be_checked()
    expect(page.locator("main")).not_to_contain_text("Resolved for rating")
    rater.check_page("rating-link")
    page.get_by_label("Comment (optional)").fill("Clear and quick.")
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_text(f"Your rating of case {resolved.number} was recorded.")).to_be_visible()

    page = browser.login(people.supervisor)
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(page.locator("#period")).to_have_value("90d")
    for width in (1280, 390):
        _narrow(browser, width)
        page.reload()
        expect(page.locator(".report-figure strong").first).to_have_text("7")
        assert page.locator("figure.report-chart svg").count() >= 6
        ticks = page.locator('svg text[text-anchor="end"]').all_text_contents()
        assert ticks and all(t.isdigit() for t in ticks), ticks
        browser.check_page(f"reports-90-days-{width}")
        _assert_no_horizontal_overflow(page)
    expect(page.locator("#report-satisfaction")).to_contain_text("Clear and quick.")

    # Another period from the form, then dates typed by hand (a custom period).
    page.get_by_label("Period").select_option("7d")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#period")).to_have_value("7d")
    expect(page.locator(".report-figure strong").first).to_have_text("2")  # received 3 days ago, and today
    page.get_by_label("From (custom)").fill("2020-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#period")).to_have_value("custom")
    expect(page.locator(".report-figure strong").first).to_have_text("7")
    page.get_by_label("Period").select_option("90d")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#period")).to_have_value("90d")

    bar = page.locator('#report-volume svg a[aria-label*="History case"], #report-volume svg a').first
    label = bar.get_attribute("aria-label")
    count = int(re.search(r": (\d+)$", label).group(1))
    bar.click()
    expect(page.get_by_role("heading", name=re.compile("Cases"))).to_be_visible()
    assert "received_from=" in page.url and "status=all" in page.url
    expect(page.locator("main tbody tr")).to_have_count(count)

    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV of cases handled per agent").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.splitlines()[0].startswith("agent,cases,resolved")
    assert "Unassigned,7,1," in text

    page.goto(f"/staff/cases/{resolved.number}")
    expect(page.locator("main")).to_contain_text("Clear and quick.")
    browser.check_page("staff-case-rated")
