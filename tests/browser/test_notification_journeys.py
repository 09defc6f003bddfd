"""Browser journey of notifications: a participant files a billing dispute; the agent of the queue
that handles billing disputes sees the bell's count, the notice, and opens the case from it
(axe-checked at 1280 and 390 px)."""

from playwright.sync_api import expect

from tests.browser.test_participant_journeys import no_horizontal_overflow, request_type, submit_case
from tests.notifications.helpers import join_queue


def test_participant_files_a_billing_dispute_and_the_agent_hears_of_it(browser, new_browser, people):
    join_queue(people.agent, "billing_dispute")
    browser.login(people.alpha_user)
    number = submit_case(browser, request_type("billing_dispute"), "Disputed RT energy charge for March 3")

    agent = new_browser()
    page = agent.login(people.agent)
    bell = page.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    agent.check_page("notifications-bell")
    bell.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    notice = page.get_by_role("link", name=f"{number} · New case in Settlements")
    expect(notice).to_be_visible()
    agent.check_page("notifications-list")

    phone = new_browser(390)
    phone.context.add_cookies(agent.context.cookies())
    phone.goto("/notifications/")
    expect(phone.page.get_by_role("link", name=f"{number} · New case in Settlements")).to_be_visible()
    no_horizontal_overflow(phone.page)
    phone.check_page("notifications-list")

    notice.click()
    expect(page.get_by_role("heading", name=number)).to_be_visible()
    assert page.url.endswith(f"/staff/cases/{number}")
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()  # read: no count

    # A reply of the participant: the count comes back, the newest notice first.
    browser.goto(f"/cases/{number}")
    browser.page.get_by_label("Your reply").fill("The charge covers hours 14-18, when the unit was off.")
    browser.page.get_by_role("button", name="Send reply").click()
    page.goto("/notifications/?show=unread")
    expect(page.get_by_role("link", name=f"{number} · Ann User replied")).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("1 notice marked read.")).to_be_visible()
    expect(page.get_by_text("No unread notices.")).to_be_visible()

    account = agent.goto("/account/")
    expect(account.get_by_role("checkbox", name="A case is assigned to me: by email")).to_be_checked()
    agent.check_page("account-notification-settings")
