"""Browser journey of a receipt: a participant files a case, downloads the signed receipt PDF
from the receipt page, and someone without an account verifies it on the public verify page,
by PDF and by pasted text; a receipt changed by one character is refused. Pages checked with axe."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_participant_journeys import request_type, submit_case
from tests.cases.helpers import PDF


@pytest.fixture
def statement(tmp_path):
    path = tmp_path / "statement.pdf"
    path.write_bytes(PDF)
    return path


def test_downloaded_receipt_verifies_on_the_public_page(browser, new_browser, people, statement, tmp_path):
    browser.login(people.alpha_user)
    number = submit_case(browser, request_type("billing_dispute"), "Receipt journey dispute", pdf=statement)
    page = browser.page
    token = page.locator("#receipt-jws").input_value()
    assert token.count(".") == 2
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the receipt (PDF)").click()
    receipt_pdf = tmp_path / "receipt.pdf"
    download.value.save_as(receipt_pdf)
    assert download.value.suggested_filename == f"receipt-{number}.pdf"

    auditor = new_browser(390)
    verify = auditor.goto("/receipts/verify")
    expect(verify.get_by_role("heading", name="Verify a receipt")).to_be_visible()
    auditor.check_page("receipt-verify")
    verify.get_by_label("Or the receipt PDF").set_input_files(str(receipt_pdf))
    verify.get_by_role("button", name="Verify").click()
    expect(verify.get_by_role("heading", name="Valid receipt")).to_be_visible()
    expect(verify.get_by_role("status")).to_contain_text(number)
    expect(verify.get_by_role("status")).to_contain_text("ALPHA")
    auditor.check_page("receipt-verified")

    changed = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    verify.get_by_label("Receipt (the text that starts with eyJ)").fill(changed)
    verify.get_by_role("button", name="Verify").click()
    expect(verify.get_by_role("heading", name="Not a valid receipt")).to_be_visible()
    auditor.check_page("receipt-refused")
