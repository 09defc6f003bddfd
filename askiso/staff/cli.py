"""`flask --app wsgi cases autoclose`: the cron job of the service levels (it also sends the
service-level notices, askiso/notifications/service_levels.py; `cases service-level-alerts` sends
only those)."""

import click
from flask.cli import AppGroup

from askiso.extensions import db
from askiso.notifications.service_levels import run_service_level_alerts
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
    _alerts()


@click.command("service-level-alerts")
def service_level_alerts():
    """Tell staff of service levels about to be missed or missed (each event once, however often it runs)."""
    _alerts()


def _alerts():
    result = run_service_level_alerts()
    db.session.commit()
    click.echo(f"Service-level notices: {len(result.events)} event(s)"
               f"{': ' + ', '.join(f'{n} {k}' for n, k in result.events) if result.events else ''}.")


def register(app):
    """Add `autoclose` to the `cases` group (joining it if the cases feature made one)."""
    existing = app.cli.commands.get("cases")
    if isinstance(existing, click.Group):
        existing.add_command(autoclose)
        existing.add_command(service_level_alerts)
    else:
        cases_cli.add_command(autoclose)
        cases_cli.add_command(service_level_alerts)
        app.cli.add_command(cases_cli)
