"""Browser journey of an obligation: a supervisor creates it on the page and reminds now; the
obligated company's SA follows the emailed link to the prefilled form and files; the staff page
shows the case. Every page checked with axe at 1280 and 390 px."""

import re

from playwright.sync_api import expect

from askiso.obligations.models import ObligationParticipant
from tests.browser.conftest import deliver_mail, find_link
from tests.browser.test_staff_journeys import _assert_no_horizontal_overflow, _narrow
from tests.cases.helpers import PDF


def test_supervisor_creates_participant_files_staff_sees_the_case(browser, new_browser, people, app, tmp_path):
    page = browser.login(people.supervisor)
    page.get_by_role("link", name="Obligations").click()
    expect(page.get_by_role("heading", name="Obligations")).to_be_visible()
    browser.check_page("obligations-index")
    page.get_by_role("link", name="New obligation").click()
    browser.check_page("obligation-new")
    page.get_by_label("Name").fill("FTR annual certification 2027")
    page.get_by_label("Request type they must file").select_option("ftr_certification")
    page.get_by_label("Due date (ISO local time, America/New_York)").fill("2027-04-30")
    page.get_by_label("ALPHA — Alpha Power LLC").check()
    page.get_by_role("button", name="Create obligation").click()
    expect(page.get_by_role("heading", name="FTR annual certification 2027")).to_be_visible()
    expect(page.locator('tr[data-participant="ALPHA"] [data-state="open"]')).to_be_visible()
    browser.check_page("obligation-show")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remind now", exact=True).click()
    expect(page.get_by_text("Reminder sent to 1 participant(s).")).to_be_visible()
    for width in (390, 1280):
        _narrow(browser, width)
        browser.check_page(f"obligation-show-{width}")
        _assert_no_horizontal_overflow(page)

    link = find_link(deliver_mail(app), people.alpha_sa.email, r"https?://\S+/cases/new\?\S+")
    sa = new_browser(390)
    home = sa.login(people.alpha_sa)
    home.goto("/cases")
    expect(home.get_by_role("heading", name="Due from your company")).to_be_visible()
    sa.check_page("obligations-due-home")
    _assert_no_horizontal_overflow(home)
    home.goto(link)
    expect(home.get_by_label("Certification year")).to_be_visible()
    sa.check_page("obligation-prefilled-form")
    home.get_by_label("Certification year").select_option("2026")
    home.get_by_label("Subject").fill("Attachment 5 for 2027")
    home.get_by_label("Description").fill("Our signed certification.")
    pdf = tmp_path / "attachment5.pdf"
    pdf.write_bytes(PDF)
    home.locator('input[type="file"]').set_input_files(str(pdf))
    home.get_by_role("button", name=re.compile("Submit")).click()
    expect(home.locator(".receipt-number")).to_be_visible()
    number = home.locator(".receipt-number").inner_text().strip()

    page.reload()
    expect(page.locator('tr[data-participant="ALPHA"] [data-state="filed"]')).to_be_visible()
    expect(page.get_by_role("link", name=number)).to_be_visible()
    from askiso.extensions import db

    db.session.expire_all()
    assert db.session.scalar(db.select(ObligationParticipant.state)) == "filed"
