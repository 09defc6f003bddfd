"""`flask cases ...`: housekeeping of the case files."""

import click
from flask.cli import AppGroup

from askiso.extensions import db

cases_cli = AppGroup("cases", help="Case housekeeping.")


@cases_cli.command("purge-pending")
def purge_pending():
    """Delete files kept from failed forms that are older than a day (run daily)."""
    from askiso.cases.pending import purge_stale

    removed = purge_stale()
    db.session.commit()
    click.echo(f"Removed {removed} kept file(s) older than a day.")


@cases_cli.command("recount")
def recount():
    """Recount each participant's cases by status (the company lists' tabs) from the cases themselves.

    The counts are kept by triggers as cases change; this repairs them if they
    were ever changed by hand. It holds off case changes while it runs.
    """
    from askiso.cases import counts

    counts.rebuild()
    click.echo("Status counts recounted from the cases.")


def register(app):
    app.cli.add_command(cases_cli)
