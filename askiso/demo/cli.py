"""`flask demo load`: the demo data set documented in the README (idempotent)."""

import click
from flask.cli import AppGroup

from askiso.demo.data import load_demo

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load():
    """Load the demo data set; running it again changes nothing."""
    summary = load_demo()
    for line in summary:
        click.echo(line)


def register(app):
    app.cli.add_command(demo_cli)
