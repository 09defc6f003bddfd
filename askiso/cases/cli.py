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


def register(app):
    app.cli.add_command(cases_cli)
