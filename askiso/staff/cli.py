"""`flask --app wsgi cases autoclose`: the cron job of the service levels."""

import click
from flask.cli import AppGroup

from askiso.extensions import db
from askiso.staff.autoclose import run_autoclose

cases_cli = AppGroup("cases", help="Case housekeeping.")


@click.command("autoclose")
def autoclose():
    """Remind, then close, Resolved cases without a reply (safe to run repeatedly)."""
    result = run_autoclose()
    db.session.commit()
    click.echo(f"Closed {len(result.closed)} case(s){': ' + ', '.join(result.closed) if result.closed else ''}.")
    click.echo(f"Reminded {len(result.reminded)} case(s)"
               f"{': ' + ', '.join(result.reminded) if result.reminded else ''}.")


def register(app):
    """Add `autoclose` to the `cases` group (joining it if the cases feature made one)."""
    existing = app.cli.commands.get("cases")
    if isinstance(existing, click.Group):
        existing.add_command(autoclose)
    else:
        cases_cli.add_command(autoclose)
        app.cli.add_command(cases_cli)
