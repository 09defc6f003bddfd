"""`flask users create EMAIL --name NAME [--staff ROLE] [--password-stdin]`."""

import sys

import click
from flask.cli import AppGroup

from askiso.audit.services import record
from askiso.auth.models import STAFF_ROLES, user_by_email
from askiso.auth.policy import password_problems
from askiso.auth.services import create_user, deactivate_user
from askiso.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--staff", type=click.Choice(STAFF_ROLES), help="Make a staff account with this role.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(email, name, staff, password_stdin):
    """Create an account (staff with --staff)."""
    if user_by_email(email) is not None:
        raise click.ClickException(f"an account for {email.lower()} already exists")
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        problems = password_problems(password, email=email, name=name)
        if problems:
            raise click.ClickException("password refused: " + " ".join(problems))
    user = create_user(email, name, staff_role=staff, password=password)
    record("users.created", None, subject_user=user, via="cli", staff_role=staff)
    db.session.commit()
    click.echo(f"created {user.email}" + (f" ({staff})" if staff else ""))
    if not password:
        click.echo("no password set: use 'Forgot password' on the sign-in page to set one")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email):
    """Switch an account off: its sessions and emailed links stop working at once."""
    user = user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account for {email.lower()}")
    if deactivate_user(user, None):
        db.session.commit()
        click.echo(f"deactivated {user.email}")
    else:
        click.echo(f"{user.email} was already inactive")


def register(app):
    app.cli.add_command(users_cli)
