"""`flask inquiries purge`: delete submissions whose address was never confirmed in time."""

import click
from flask.cli import AppGroup

from askiso.extensions import db

inquiries_cli = AppGroup("inquiries", help="Public inquiries from people without an account.")


@inquiries_cli.command("purge")
def purge():
    """Delete pending inquiries whose 24-hour confirmation window has passed."""
    from askiso.inquiries.services import purge_expired

    count = purge_expired()
    db.session.commit()
    click.echo(f"Purged {count} expired pending {'inquiry' if count == 1 else 'inquiries'}.")


def register(app):
    app.cli.add_command(inquiries_cli)
