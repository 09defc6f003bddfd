"""The help centre's pages run a constant number of SQL statements, however many articles there are."""

from tests.articles.conftest import make_article
from tests.statements import recorded_statements

URLS = (
    "/help",
    "/help/articles",
    "/help/articles?q=zephyr",
    "/help/suggest?q=zephyr turbine",
    "/help/articles/enabling-iso-express-data-feeds",
)
STAFF_URLS = ("/staff/articles", "/staff/articles?q=zephyr", "/staff/articles/enabling-iso-express-data-feeds")


def _counts(client, urls):
    counts = {}
    for url in urls:
        client.get(url)  # warm (the article index is built on the first search)
        with recorded_statements() as seen:
            assert client.get(url).status_code == 200, url
        counts[url] = len(seen)
    return counts


def test_statement_counts_do_not_grow_with_the_articles(app, people, client_for):
    member, agent = client_for(people.alpha_user), client_for(people.agent)
    make_article(people.supervisor, "Zephyr one", "zephyr turbine", audience="participants")
    before = _counts(member, URLS), _counts(agent, STAFF_URLS)
    for n in range(6):
        make_article(people.supervisor, f"Zephyr more {n}", "zephyr turbine text", topic="data")
    after = _counts(member, URLS), _counts(agent, STAFF_URLS)
    assert before == after
