"""`flask articles deflections [--days N]`, `flask articles reindex`."""

from datetime import timedelta

import click
from flask.cli import AppGroup

from askiso.articles.services import count_deflections
from askiso.core.timeutil import utcnow

articles_cli = AppGroup("articles", help="Help articles.")


@articles_cli.command("deflections")
@click.option("--days", type=click.IntRange(1, 3660), default=30, show_default=True)
def deflections(days):
    """How often an article answered someone's question in the last N days."""
    now = utcnow()
    click.echo(count_deflections(now - timedelta(days=days), now))


@articles_cli.command("reindex")
def reindex():
    """Build the embedded (Whoosh) article index now (it also builds itself on first search)."""
    from askiso.articles.whoosh_index import current_index

    with current_index().searcher() as searcher:
        click.echo(f"{searcher.doc_count()} articles indexed")


def register(app):
    app.cli.add_command(articles_cli)
