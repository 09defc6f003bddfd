"""Browser journeys of participants: submitting every request type, following a
case, the External Manager's company view, the Security Administrator's member
management, confidentiality of case pages and files, and keyboard-only use.

Every distinct page is checked with axe-core (Browser.check_page) at 1280 px,
and the main pages once more at 390 px, where nothing may overflow sideways.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from askiso.cases.models import RequestType
from askiso.extensions import db
from tests.browser.conftest import deliver_mail, find_link

# A tiny but genuine PDF: the upload check looks at the file's signature.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CASE_NUMBER = re.compile(r"AI-\d{4}-\d{6}")

# What a person types in a request type's own fields, by field type.
FIELD_VALUES = {
    "text": "Alpha Power LLC",
    "textarea": "The RT energy charge was applied twice on the initial statement.",
    "phone": "413-555-0142",
    "email": "new.person@example.com",
    "date_past": "2026-03-03",
    "money": "1250.00",
}


@pytest.fixture
def pdf(tmp_path):
    path = tmp_path / "registration-form.pdf"
    path.write_bytes(PDF)
    return path


def accept_dialogs(b):
    """Pages ask `confirm()` before destructive actions; a person says yes."""
    b.page.on("dialog", lambda dialog: dialog.accept())
    return b


def on_a_phone(b, new_browser):
    """The same signed-in person in a 390 px browser (shares the session cookie; no second sign-in)."""
    phone = new_browser(390)
    phone.context.add_cookies(b.context.cookies())
    return phone


def no_horizontal_overflow(page):
    page.wait_for_load_state()  # right after a click the next page may not have a document yet
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    if width > viewport:
        culprits = page.evaluate(OVERFLOWING)
        raise AssertionError(f"{page.url} is {width}px wide in a {viewport}px window: {culprits}")


# The innermost elements that stick out of the window on the right.
OVERFLOWING = """() => Array.from(document.querySelectorAll('body *'))
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(el => !Array.from(el.children).some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
    + ' ' + Math.round(el.getBoundingClientRect().right) + 'px')"""


def fill_type_fields(page, request_type):
    """Fill the request type's own fields the way a person would."""
    for spec in request_type.fields or []:
        control = page.locator(f"#field_{spec['name']}")
        if spec.get("type") == "choice":
            control.select_option(index=1)
        else:
            control.fill(FIELD_VALUES.get(spec.get("type", "text"), FIELD_VALUES["text"]))


def submit_case(b, request_type, subject, pdf=None, check=False):
    """Submit one case through the real form; returns its number from the receipt."""
    page = b.goto(f"/cases/new?type={request_type.key}")
    expect(page.get_by_role("heading", name="2. Your case")).to_be_visible()
    if check:
        b.check_page(f"new-case-{request_type.key}")
    if b.width < 800:
        no_horizontal_overflow(page)
    page.get_by_label("Subject").fill(subject)
    fill_type_fields(page, request_type)
    page.get_by_label("Description").fill(f"Details of: {subject}")
    if request_type.file_required or pdf is not None:
        page.set_input_files("#files", str(pdf))
    page.get_by_role("button", name="Submit case").click()
    expect(page.get_by_role("heading", name="Your case was received")).to_be_visible()
    number = page.locator(".receipt-number").inner_text().strip()
    assert CASE_NUMBER.fullmatch(number)
    return number


def request_types():
    return db.session.scalars(select(RequestType).order_by(RequestType.sort_order)).all()


def request_type(key):
    return db.session.scalars(select(RequestType).where(RequestType.key == key)).one()


def test_participant_submits_every_request_type_and_finds_them_in_my_cases(browser, people, pdf):
    page = browser.login(people.alpha_user)
    page.get_by_role("link", name="New case").first.click()
    browser.check_page("new-case-choose-type")
    numbers = {}
    for index, rtype in enumerate(request_types()):
        numbers[rtype.key] = submit_case(browser, rtype, f"Browser case {rtype.key}", pdf, check=True)
        receipt = page.locator(".receipt")
        expect(receipt.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
        expect(receipt).to_contain_text(rtype.name)
        expect(receipt).to_contain_text("Alpha Power LLC")
        if index == 0:
            browser.check_page("receipt")
    assert len(set(numbers.values())) == len(request_types()) == 9

    page.get_by_role("link", name="My cases").first.click()
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    for number in numbers.values():
        expect(page.locator(f"tr[data-case='{number}']")).to_be_visible()
    browser.check_page("my-cases")

    # The filter narrows the list to one request type.
    page.get_by_label("Request type").select_option(label=request_type("billing_dispute").name)
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator(f"tr[data-case='{numbers['billing_dispute']}']")).to_be_visible()
    browser.check_page("my-cases-filtered")


def test_required_file_missing_keeps_what_was_typed(browser, people):
    page = browser.login(people.alpha_user)
    page.goto("/cases/new?type=ftr_policies")
    page.get_by_label("Subject").fill("Our FTR policies")
    page.get_by_label("Description").fill("Policies for review.")
    page.get_by_role("button", name="Submit case").click()
    expect(page.locator("#files-error")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("Our FTR policies")
    browser.check_page("new-case-error")


def test_participant_replies_with_a_file_closes_and_reopens(browser, people, pdf):
    accept_dialogs(browser)
    page = browser.login(people.alpha_user)
    number = submit_case(browser, request_type("general_question"), "Access to MIS reports")
    page.get_by_role("link", name="Go to the case").click()
    expect(page.get_by_role("heading", name="Access to MIS reports")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("New")
    browser.check_page("case-page")

    page.get_by_label("Your reply").fill("Here is the **screenshot** of the error.")
    page.set_input_files("#files", str(pdf))
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply was added.")).to_be_visible()
    reply = page.locator(".conversation .message").last
    expect(reply.locator("strong", has_text="screenshot")).to_be_visible()
    expect(reply.get_by_role("link", name="registration-form.pdf")).to_be_visible()

    page.get_by_label("Why are you closing the case?").fill("Found it myself, thank you.")
    page.get_by_role("button", name="Close case").click()
    expect(page.locator(".page-head .badge")).to_have_text("Closed")
    expect(page.get_by_role("heading", name="Reply")).to_have_count(0)
    browser.check_page("case-page-closed")

    page.get_by_label("What is still open? (optional)").fill("The error came back.")
    page.get_by_role("button", name="Reopen case").click()
    expect(page.locator(".page-head .badge")).not_to_have_text("Closed")
    expect(page.get_by_role("heading", name="Reply")).to_be_visible()
    assert number in page.url


def test_main_participant_pages_on_a_phone(phone, people, pdf):
    page = phone.login(people.alpha_user)
    no_horizontal_overflow(page)
    page.goto("/cases/new")
    no_horizontal_overflow(page)
    phone.check_page("new-case-choose-type")
    number = submit_case(phone, request_type("billing_dispute"), "Disputed RT energy charge", pdf, check=True)
    no_horizontal_overflow(page)
    phone.check_page("receipt")
    page.goto("/cases")
    expect(page.locator(f"tr[data-case='{number}']")).to_be_visible()
    # On a phone the table is a list of cards: the header row is off-screen and
    # every cell carries its label.
    assert (
        page.locator("table.responsive-table tr[data-case]").first.evaluate("tr => getComputedStyle(tr).display")
        == "block"
    )
    no_horizontal_overflow(page)
    phone.check_page("my-cases")
    page.goto(f"/cases/{number}")
    expect(page.get_by_role("heading", name="Disputed RT energy charge")).to_be_visible()
    no_horizontal_overflow(page)
    phone.check_page("case-page")
    for path, name in (("/account/", "account"), ("/help", "help")):
        page.goto(path)
        no_horizontal_overflow(page)
        phone.check_page(name)


def test_help_and_account_pages_on_desktop(browser, people):
    page = browser.login(people.alpha_user)
    page.get_by_role("link", name="Help").click()
    expect(page.get_by_role("heading", name="Using Ask ISO")).to_be_visible()
    browser.check_page("help")
    page.get_by_role("link", name=people.alpha_user.name).click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    browser.check_page("account")


def test_external_manager_sees_a_colleagues_case_in_company_cases(browser, new_browser, people):
    colleague = new_browser()
    colleague.login(people.alpha_colleague)
    number = submit_case(colleague, request_type("system_access"), "eMarket access for Carl")

    page = browser.login(people.alpha_manager)
    page.get_by_role("link", name="Company cases").click()
    row = page.locator(f"tr[data-case='{number}']")
    expect(row).to_be_visible()
    expect(row.locator("td[data-label='Submitted by']")).to_have_text("Carl Colleague")
    browser.check_page("company-cases")
    row.get_by_role("link", name="eMarket access for Carl").click()
    expect(page.get_by_role("heading", name="eMarket access for Carl")).to_be_visible()
    expect(page.locator("aside")).to_contain_text("Carl Colleague")
    browser.check_page("case-page-external-manager")

    phone = on_a_phone(browser, new_browser)
    phone.goto("/cases/company")
    expect(phone.page.locator(f"tr[data-case='{number}']")).to_be_visible()
    no_horizontal_overflow(phone.page)
    phone.check_page("company-cases")


def test_security_admin_invites_a_person_who_sets_a_password_then_manages_them(app, browser, new_browser, people):
    accept_dialogs(browser)
    email = "nina.newcomer@example.com"
    page = browser.login(people.alpha_sa)
    page.get_by_role("link", name="My company").click()
    expect(page.get_by_role("heading", name=re.compile("Alpha Power LLC"))).to_be_visible()
    browser.check_page("my-company")

    form = page.locator("form", has=page.get_by_role("heading", name="Add a person"))
    form.get_by_label("Email").fill("not an address")
    form.get_by_role("button", name="Add person").click()
    expect(page.locator(".field-error").first).to_be_visible()
    browser.check_page("invite-form-error")
    form = page.locator("form", has=page.get_by_role("heading", name="Add a person"))
    form.get_by_label("Email").fill(email)
    form.get_by_label("Full name").fill("Nina Newcomer")
    form.get_by_role("button", name="Add person").click()
    row = page.locator("tr", has_text=email)
    expect(row).to_contain_text("Invitation not yet accepted")

    link = find_link(deliver_mail(app), email, r"https?://\S+/set-password/\S+")
    path = re.sub(r"^https?://[^/]+", "", link)
    # Opening the link shows the form without using the link up; the
    # newcomer then sets the password on a phone.
    desktop = new_browser()
    desktop.goto(path)
    expect(desktop.page.get_by_role("heading", name="Welcome to Ask ISO, Nina")).to_be_visible()
    desktop.check_page("set-password")
    newcomer = new_browser(390)
    npage = newcomer.goto(path)
    expect(npage.get_by_role("heading", name="Welcome to Ask ISO, Nina")).to_be_visible()
    no_horizontal_overflow(npage)
    newcomer.check_page("set-password")
    npage.get_by_label("New password", exact=True).fill("a long new passphrase 42")
    npage.get_by_label("Repeat the new password").fill("a long new passphrase 42")
    npage.get_by_role("button", name="Set my password").click()
    if "/login" not in npage.url:
        npage.get_by_role("button", name="Sign out").wait_for()
        npage.get_by_role("button", name="Sign out").click()
    npage.goto("/login")
    npage.get_by_label("Email").fill(email)
    npage.get_by_label("Password").fill("a long new passphrase 42")
    npage.get_by_role("button", name="Sign in").click()
    npage.get_by_role("link", name="Nina Newcomer").click()
    companies = npage.locator("section", has=npage.get_by_role("heading", name="Companies you act for"))
    expect(companies.locator("td[data-label='Company']")).to_have_text("Alpha Power LLC")
    no_horizontal_overflow(npage)
    newcomer.check_page("account-new-member")
    expect(npage.get_by_role("link", name="Company cases")).to_have_count(0)

    # The SA makes the newcomer an External Manager.
    page.reload()
    page.locator("tr", has_text=email).get_by_role("button", name="Grant External Manager").click()
    expect(page.locator("tr", has_text=email).locator("td[data-label='Roles']")).to_contain_text("External Manager")
    npage.reload()
    expect(npage.get_by_role("link", name="Company cases")).to_be_visible()

    # Later the SA ends the membership, through the confirmation page.
    page.locator("tr", has_text=email).get_by_role("link", name="End the membership of Nina Newcomer").click()
    expect(page.get_by_role("heading", name="End Nina Newcomer's membership?")).to_be_visible()
    browser.check_page("end-membership-confirm")
    page.get_by_role("button", name="End membership").click()
    former = page.locator("section", has=page.get_by_role("heading", name="Former members"))
    expect(former.locator("tr", has_text="Nina Newcomer")).to_be_visible()
    members = page.locator("section", has=page.get_by_role("heading", name="Members", exact=True))
    expect(members.locator("tr", has_text=email)).to_have_count(0)
    npage.reload()
    expect(npage.get_by_role("link", name="Company cases")).to_have_count(0)
    expect(npage.get_by_text("You do not act for any market participant")).to_be_visible()

    phone = on_a_phone(browser, new_browser)
    phone.goto("/company/")
    no_horizontal_overflow(phone.page)
    phone.check_page("my-company")
    phone.page.get_by_role("link", name="End the membership of Carl Colleague").click()
    expect(phone.page.get_by_role("heading", name="End Carl Colleague's membership?")).to_be_visible()
    no_horizontal_overflow(phone.page)
    phone.check_page("end-membership-confirm")
    phone.page.get_by_role("link", name="Cancel").click()
    expect(phone.page.locator("td[data-label='Name']", has_text="Carl Colleague")).to_have_count(1)


def test_case_and_file_urls_reveal_nothing_to_outsiders(browser, new_browser, people, pdf):
    owner = new_browser()
    owner.login(people.alpha_user)
    number = submit_case(owner, request_type("ftr_policies"), "Confidential FTR policies", pdf)
    owner.page.get_by_role("link", name="Go to the case").click()
    file_link = owner.page.get_by_role("link", name="registration-form.pdf")
    file_path = file_link.get_attribute("href")
    case_path = f"/cases/{number}"
    assert file_path.startswith(case_path + "/files/")
    assert owner.page.request.get(file_path).body() == PDF

    # Signed out: the same sign-in redirect for a real and a made-up case, so
    # nothing tells whether the number exists.
    made_up = "/cases/AI-2026-999999"
    for path in (case_path, file_path, made_up, made_up + "/files/1"):
        response = browser.page.request.get(path, max_redirects=0)
        assert response.status == 302 and "/login" in response.headers["location"], path
    page = browser.goto(case_path)
    assert "/login" in page.url
    expect(page.get_by_text("Confidential FTR policies")).to_have_count(0)

    # Another company's user (even their External Manager) gets the not-found page.
    for user in (people.beta_user, people.beta_manager):
        other = new_browser()
        opage = other.login(user)
        for path in (case_path, file_path):
            response = opage.goto(path)
            assert response.status == 404, (user.email, path)
            expect(opage.get_by_role("heading", name="Page not found")).to_be_visible()
            expect(opage.get_by_text("Confidential FTR policies")).to_have_count(0)
        other.check_page("not-found-other-company")


def test_keyboard_only_submission_with_visible_focus(browser, people):
    page = browser.login(people.alpha_user)
    page.goto("/cases/new?type=general_question")
    page.locator("body").focus()

    def tab_to(selector, limit=60):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def outline():
        return page.evaluate("getComputedStyle(document.activeElement).outlineStyle")

    tab_to("#subject")
    assert outline() != "none"
    page.keyboard.type("Keyboard-only question")
    tab_to("#description")
    page.keyboard.type("I use Ask ISO without a mouse.")
    tab_to("#new-case-form button[type=submit]")
    assert outline() != "none"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineWidth") != "0px"
    browser.check_page("new-case-keyboard-focus")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your case was received")).to_be_visible()
    expect(page.locator(".receipt")).to_contain_text("Keyboard-only question")
