"""`flask mail send [--loop]`: the outbox worker."""

import time

import click
from flask import current_app
from flask.cli import AppGroup

from askiso.extensions import db
from askiso.mail.sender import send_pending

mail_cli = AppGroup("mail", help="Outgoing and incoming email.")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, polling the outbox.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls with --loop.")
def send(loop, interval):
    """Send the pending emails in the outbox."""
    while True:
        try:
            sent, failed = send_pending()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("outbox batch failed")
            sent = failed = 0
        if not loop:
            click.echo(f"sent {sent}, failed {failed}")
            if sent or failed:
                continue  # drain the whole backlog in a one-shot run
            return
        if not sent and not failed:
            time.sleep(interval)


def register(app):
    app.cli.add_command(mail_cli)
