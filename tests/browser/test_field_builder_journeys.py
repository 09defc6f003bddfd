"""Browser journeys of the request-type field builder, checked with axe at 1280 and 390 px.

An admin adds a choice field to a request type without typing JSON, watches the
live preview, is refused a broken definition with nothing typed lost, saves, and
a participant finds the field on the new-case form; without JavaScript the same
builder works as plain forms.
"""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from askiso.cases.models import RequestType
from askiso.extensions import db
from tests.browser.test_participant_journeys import no_horizontal_overflow
from tests.cases.helpers import new_case


def _data_feeds():
    return db.session.scalars(select(RequestType).where(RequestType.key == "data_feeds")).one()


def _open_builder(b):
    page = b.goto("/staff/admin/request-types")
    page.get_by_role("link", name="Data feeds / web services access").click()
    expect(page.get_by_role("heading", name="Data feeds / web services access", level=1)).to_be_visible()
    return page


def test_admin_adds_a_choice_field_and_the_participant_sees_it(browser, new_browser, people):
    old = new_case(
        people.alpha_user, people.alpha, request_type="data_feeds", field_values={"iso_express_username": "ann.alpha"}
    )
    page = browser.login(people.admin)
    page = _open_builder(browser)
    preview = page.locator("[data-fb-preview]")
    expect(preview.get_by_label("ISO Express username (optional)")).to_be_visible()
    expect(page.get_by_role("button", name="Update the preview")).to_be_hidden()  # the preview is live

    page.get_by_role("button", name="Add a field").click()
    row = page.get_by_role("group", name="Field 2")
    expect(row.get_by_label("Label")).to_be_focused()
    row.get_by_label("Label").fill("Feed")
    expect(row.get_by_label("Choices, one per line")).to_be_hidden()  # only for choice fields
    row.get_by_label("Type").select_option(label="Choice from a list")
    row.get_by_label("Choices, one per line").fill("Real-time LMP")  # one choice: refused below
    row.get_by_label("Help text (optional)").fill("The feed you cannot reach")
    expect(preview.get_by_label("Feed")).to_be_visible()
    expect(preview.get_by_text("The feed you cannot reach")).to_be_visible()
    row.get_by_role("button", name="Move up field 2").click()
    row = page.get_by_role("group", name="Field 1")
    expect(row.get_by_label("Label")).to_have_value("Feed")
    expect(preview.locator(".field").first).to_contain_text("Feed")
    browser.check_page("field-builder")

    page.get_by_role("button", name="Save request type").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Field 1 (Feed), Choices: A choice field needs at least two choices")
    row = page.get_by_role("group", name="Field 1")
    expect(row.get_by_label("Choices, one per line")).to_have_value("Real-time LMP")  # nothing typed lost
    expect(row.get_by_label("Help text (optional)")).to_have_value("The feed you cannot reach")
    browser.check_page("field-builder-refused")

    row.get_by_label("Choices, one per line").fill("Real-time LMP\nDay-ahead LMP\nFive-minute load")
    page.get_by_role("button", name="Save request type").click()
    expect(page.get_by_text("Request type “Data feeds / web services access” saved.")).to_be_visible()

    participant = new_browser(390)
    form = participant.login(people.alpha_user)
    form.goto("/cases/new?type=data_feeds")
    feed = form.get_by_label("Feed")
    expect(feed).to_be_visible()
    assert feed.locator("option").all_inner_texts() == ["Choose…", "Real-time LMP", "Day-ahead LMP", "Five-minute load"]
    expect(form.get_by_text("The feed you cannot reach")).to_be_visible()
    participant.check_page("new-case-with-built-field")
    no_horizontal_overflow(form)

    form.goto(f"/cases/{old.number}")  # filed before: keeps its fields, not the new one
    expect(form.locator("dl.type-fields")).to_contain_text("ISO Express username")
    expect(form.locator("dl.type-fields")).not_to_contain_text("Feed")


def test_the_builder_works_as_plain_forms_at_phone_width(phone, people):
    """fieldbuilder.js never loads (axe needs scripts, so the rest of the page keeps its own)."""
    phone.context.route("**/js/fieldbuilder.js", lambda route: route.abort())
    page = phone.login(people.admin)
    page = _open_builder(phone)
    page.get_by_role("button", name="Add a field").click()
    row = page.get_by_role("group", name="Field 2")
    expect(row.get_by_label("Label")).to_be_focused()
    row.get_by_label("Label").fill("Feed")
    row.get_by_label("Type").select_option(label="Choice from a list")
    row.get_by_label("Choices, one per line").fill("Real-time LMP\nDay-ahead LMP")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.locator("[data-fb-preview]").get_by_label("Feed")).to_be_visible()
    phone.check_page("field-builder-no-js")
    no_horizontal_overflow(page)
    page.get_by_role("group", name="Field 1").get_by_role("button", name=re.compile("^Remove")).click()
    expect(page.get_by_role("group", name="Field 1").get_by_label("Label")).to_have_value("Feed")
    page.get_by_role("button", name="Save request type").click()
    expect(page.get_by_text("saved.")).to_be_visible()
    assert [spec["name"] for spec in _data_feeds().fields] == ["feed"]
