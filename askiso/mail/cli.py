"""`flask mail ...`: the outbox worker and the incoming-mail entry points."""

import os
import signal
import sys
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from askiso.extensions import db
from askiso.mail.sender import send_pending

mail_cli = AppGroup("mail", help="Outgoing and incoming email.")
# sysexits.h: the MTA keeps the message and tries again later.
EX_TEMPFAIL = 75


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, polling the outbox.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls with --loop.")
def send(loop, interval):
    """Send the pending emails in the outbox."""
    total_sent = total_failed = 0
    stop = _stop_on_signal() if loop else threading.Event()
    while not stop.is_set():
        try:
            sent, failed, dropped = send_pending()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("outbox batch failed")
            sent = failed = dropped = 0
        total_sent += sent
        total_failed += failed
        if not loop:
            if sent or failed or dropped:
                continue  # drain the whole backlog in a one-shot run
            click.echo(f"sent {total_sent}, failed {total_failed}")
            return
        if not (sent or failed or dropped):
            stop.wait(interval)


def _stop_on_signal():
    """SIGTERM/SIGINT end the loop once the batch in hand is sent and recorded.

    Killing a worker between the SMTP server's acceptance and the "sent" commit
    would send that email again after the lease; a stop signal never does.
    """
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


@mail_cli.command("ingest")
@click.option("--maildir", type=click.Path(file_okay=False, path_type=Path), help="Read every new Maildir message.")
def ingest(maildir):
    """Read one RFC 822 message from stdin (an MTA pipe), or every message of a Maildir."""
    if maildir is not None:
        ok, kept = ingest_maildir(maildir)
        click.echo(f"ingested {ok}, left in place {kept}")
        if kept:
            sys.exit(EX_TEMPFAIL)
        return
    limit = current_app.config.get("MAIL_INBOUND_MAX_BYTES", 10 * 1024 * 1024)
    raw = sys.stdin.buffer.read(limit * 2)
    if not raw.strip():
        click.echo("no message on standard input", err=True)
        sys.exit(EX_TEMPFAIL)
    row = _store(raw, "stdin")
    if row is None:
        sys.exit(EX_TEMPFAIL)
    click.echo(f"inbound #{row.id}: {row.status}{' (' + row.reason + ')' if row.reason else ''}")


def _store(raw, source):
    from askiso.mail.inbound import receive

    try:
        return receive(raw, source=source)
    except Exception:  # the database is unreachable: tell the caller to keep the message
        db.session.rollback()
        current_app.logger.exception("inbound message could not be stored")
        return None


def ingest_maildir(path):
    """Handle every message in new/ (and unseen ones in cur/); processed ones move to cur/ with :2,S."""
    new, cur = Path(path) / "new", Path(path) / "cur"
    cur.mkdir(parents=True, exist_ok=True)
    ok = kept = 0
    candidates = sorted(new.glob("*")) if new.exists() else []
    candidates += [p for p in sorted(cur.glob("*")) if ":2," in p.name and "S" not in p.name.split(":2,")[1]]
    for item in candidates:
        if not item.is_file():
            continue
        limit = current_app.config.get("MAIL_INBOUND_MAX_BYTES", 10 * 1024 * 1024)
        with item.open("rb") as handle:
            raw = handle.read(limit * 2)
        if _store(raw, "maildir") is None:
            kept += 1  # stays where it is for the next run
            continue
        base = item.name.split(":2,")[0]
        os.replace(item, cur / f"{base}:2,S")
        ok += 1
    return ok, kept


@mail_cli.command("listen")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8024, show_default=True, type=int)
@click.option("--smtp", "use_smtp", is_flag=True, help="Speak SMTP instead of LMTP.")
def listen(host, port, use_smtp):
    """Receive mail over LMTP (or SMTP) from the MTA until stopped."""
    from askiso.mail.listener import make_controller

    controller = make_controller(current_app._get_current_object(), host=host, port=port, lmtp=not use_smtp)
    controller.start()
    click.echo(f"listening for {'SMTP' if use_smtp else 'LMTP'} on {host}:{port}; Ctrl+C stops")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def register(app):
    app.cli.add_command(mail_cli)
