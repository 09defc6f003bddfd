"""`flask receipts rotate-key`, `flask receipts verify FILE`."""

import json
import sys

import click
from flask.cli import AppGroup

from askiso.extensions import db
from askiso.receipts import keys, services

receipts_cli = AppGroup("receipts", help="Signed case receipts.")


@receipts_cli.command("rotate-key")
def rotate_key():
    """Make a new signing key; older keys are retired but stay published."""
    try:
        key = keys.rotate()
    except keys.KeyFileError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"new receipt key {key.kid} written to {keys.key_path()}")


@receipts_cli.command("verify")
@click.argument("file", type=click.File("rb"))
def verify(file):
    """Check a receipt (a file with the JWS text, or the receipt PDF; - for stdin). Exit 1 when invalid."""
    data = file.read(6 * 1024 * 1024)
    if data.startswith(b"%PDF"):
        from askiso.receipts.pdf import receipt_from_pdf  # PDF libraries: on use only

        token = receipt_from_pdf(data)
    else:
        token = data.decode("utf-8", "replace")
    verdict = services.verify_receipt(token or "")
    click.echo(json.dumps(verdict, indent=2, sort_keys=True, ensure_ascii=False))
    if not verdict["valid"]:
        sys.exit(1)


def register(app):
    app.cli.add_command(receipts_cli)
