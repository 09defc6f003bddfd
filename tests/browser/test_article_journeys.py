"""Browser journeys of help articles: a participant typing a subject on the new-case page sees the
article that answers it and says so; staff see the count and link an article into a reply.
Pages checked with axe; the participant's at 390 px without sideways scrolling."""

from playwright.sync_api import expect

from tests.browser.test_staff_journeys import _assert_no_horizontal_overflow
from tests.cases.helpers import new_case

DATA_FEEDS = "Enabling ISO Express data feeds (web services access)"


def test_participant_typing_data_feeds_access_sees_the_article_before_submitting(phone, browser, people):
    page = phone.login(people.alpha_user)
    page.goto("/cases/new?type=general_question")
    page.get_by_label("Subject").fill("data feeds access")
    suggestion = page.locator(".suggested-articles").get_by_role("link", name=DATA_FEEDS)
    expect(suggestion).to_be_visible()
    phone.check_page("new-case-suggestions")
    _assert_no_horizontal_overflow(page)
    page.get_by_role("button", name=f"“{DATA_FEEDS}” answered my question").click()
    expect(page.get_by_text("Glad it helped")).to_be_visible()

    page.goto("/help/articles")
    phone.check_page("help-articles")
    _assert_no_horizontal_overflow(page)
    page.get_by_role("link", name=DATA_FEEDS).click()
    expect(page.get_by_role("heading", name=DATA_FEEDS)).to_be_visible()
    phone.check_page("help-article")
    _assert_no_horizontal_overflow(page)

    staff = browser.login(people.supervisor)
    staff.get_by_role("link", name="Articles").click()
    browser.check_page("staff-articles")
    staff.get_by_role("link", name=DATA_FEEDS).click()
    expect(staff.locator("#deflection-count")).to_have_text("1 in the last 30 days, 1 in all")
    browser.check_page("staff-article")


def test_agent_links_an_article_into_a_reply(browser, people):
    case = new_case(people.alpha_user, people.alpha, subject="Cannot reach the feeds")
    page = browser.login(people.agent)
    page.goto(f"/staff/cases/{case.number}")
    chooser = page.get_by_label("Help article")
    chooser.focus()  # the list is read when it is first opened
    expect(chooser.locator("option", has_text=DATA_FEEDS)).to_have_count(1)
    chooser.select_option(label=DATA_FEEDS)
    page.get_by_role("button", name="Link article").click()
    body = page.locator("#composer textarea[name='reply-body']")
    expect(body).to_have_value(f"[{DATA_FEEDS}]({browser.base_url}/help/articles/enabling-iso-express-data-feeds)")
    browser.check_page("staff-case-article-link")
