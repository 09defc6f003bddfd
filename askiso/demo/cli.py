"""`flask demo load`: the demo data set documented in the README (it only adds what is missing)."""

import click
from flask import current_app
from flask.cli import AppGroup

from askiso.demo.data import has_accounts, load_demo

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
@click.option("--force", is_flag=True, help="Load it even with ASKISO_CONFIG=production.")
@click.option("--if-empty", is_flag=True, help="Load nothing when the database already has an account (make run).")
def load(force, if_empty):
    """Add the demo data set that is missing; nothing people changed is undone."""
    if current_app.config["ENV_NAME"] == "production" and not force:
        raise click.ClickException(
            "ASKISO_CONFIG=production: the demo data makes accounts whose password is published in the "
            "README. Nothing was loaded; add --force to load it anyway."
        )
    if if_empty and has_accounts():
        click.echo("The database already has accounts: the demo data was not loaded "
                   "(`flask --app wsgi demo load` adds what is missing of it).")
        return
    for line in load_demo():
        click.echo(line)


def register(app):
    app.cli.add_command(demo_cli)
