"""`flask search work [--loop]` (the queue worker) and `flask search reindex`."""

import time

import click
from flask import current_app
from flask.cli import AppGroup

from askiso.extensions import db
from askiso.search.backends import backend_name
from askiso.search.tracking import work_available
from askiso.search.worker import all_case_ids, pending_count, process_queue, reindex

search_cli = AppGroup("search", help="The case search index.")


@search_cli.command("work")
@click.option("--loop", is_flag=True, help="Keep running, polling the queue.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls with --loop.")
def work(loop, interval):
    """Index the queued case changes (the single index writer)."""
    while True:
        try:
            done = process_queue()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("search queue batch failed")
            done = 0
        if not loop:
            click.echo(f"indexed {done} queued change(s), {pending_count()} left")
            return
        if not done:
            work_available.wait(interval)
            work_available.clear()


@search_cli.command("reindex")
@click.option(
    "--procs",
    type=click.IntRange(1, 64),
    help="Whoosh: processes (default: one per CPU); postgres: chunks built at once, one connection each (default 1).",
)
def reindex_command(procs):
    """Rebuild the search index from the database (search keeps answering meanwhile)."""
    total = len(all_case_ids())
    click.echo(f"Rebuilding the {backend_name()} search index for {total} case(s)…")
    started = time.monotonic()
    with click.progressbar(length=total, label="Indexing", show_pos=True) as bar:
        count = reindex(progress=bar.update, procs=procs)
    click.echo(f"Indexed {count} case(s) in {time.monotonic() - started:.1f} s.")


def register(app):
    app.cli.add_command(search_cli)
