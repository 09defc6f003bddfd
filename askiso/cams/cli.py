"""`flask participants create NAME --code CODE`, `flask cams grant|revoke EMAIL CODE` (DESIGN §4).

The CLI acts as ISO staff (actor None, audited with via="cli"): it may add
roles to suspended participants and remove a last Security Administrator.
"""

import click
from flask.cli import AppGroup

from askiso.auth.models import user_by_email
from askiso.cams import participants as register_ops
from askiso.cams import rules, services
from askiso.cams.models import MEMBERSHIP_ROLES
from askiso.cams.services import CamsError
from askiso.core.validation import normalized_email_or_error
from askiso.extensions import db

participants_cli = AppGroup("participants", help="The participant register.")
cams_cli = AppGroup("cams", help="CAMS memberships and roles.")


def _participant(code):
    participant = register_ops.participant_by_code(code)
    if participant is None:
        raise click.ClickException(f"no participant with code {code.upper()}")
    return participant


def _fail(exc):
    db.session.rollback()
    raise click.ClickException(exc.message) from None


@participants_cli.command("create")
@click.argument("name")
@click.option("--code", required=True, help="The short code (customer id), e.g. GSP.")
def create(name, code):
    """Register an active participant."""
    try:
        participant = register_ops.create_participant(None, name, code, via="cli")
    except CamsError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"created participant {participant.code}: {participant.name}")


@cams_cli.command("grant")
@click.argument("email")
@click.argument("code")
@click.option("--role", "roles", multiple=True, type=click.Choice(MEMBERSHIP_ROLES), help="Role to add (repeatable).")
@click.option("--name", help="Name for a new account (default: made from the email).")
def grant(email, code, roles, name):
    """Make EMAIL a member of CODE (creating the membership if missing) and add the roles."""
    try:
        email = normalized_email_or_error(email)
    except ValueError as exc:
        raise click.ClickException(f"invalid email: {exc}") from None
    participant = _participant(code)
    user = user_by_email(email)
    membership = services.active_membership(user, participant) if user else None
    try:
        if membership is None:
            membership, invited = services.add_member(
                None, participant, email, name=name or _name_from(email), roles=roles, staff=True, via="cli"
            )
            _report_added(membership, invited, user is None)
        else:
            added = [r for r in roles if services.set_role(None, membership, r, True, staff=True, via="cli")]
            click.echo(f"{email} is already a member of {participant.code}; "
                       + (f"added {', '.join(added)}" if added else "no role changed"))
    except CamsError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"roles now: {', '.join(membership.roles) or 'member'}")


def _name_from(email):
    return " ".join(part.capitalize() for part in email.split("@")[0].replace("_", ".").split(".") if part)


def _report_added(membership, invited, created):
    p = membership.participant
    if created:
        click.echo(f"created account {membership.user.email} (no password) and added it to {p.code}")
    else:
        click.echo(f"added {membership.user.email} to {p.code}")
    if invited:
        click.echo("sent the set-password email (link valid 72 hours, single use)")
    else:
        click.echo("sent a notice email")


@cams_cli.command("revoke")
@click.argument("email")
@click.argument("code")
def revoke(email, code):
    """End EMAIL's membership of CODE (kept as history)."""
    participant = _participant(code)
    user = user_by_email(email)
    membership = services.active_membership(user, participant) if user else None
    if membership is None:
        raise click.ClickException(f"{email.strip().lower()} is not an active member of {participant.code}")
    was_sa = membership.is_security_admin
    try:
        services.end_membership(None, membership, staff=True, via="cli")
    except CamsError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"ended {user.email}'s membership of {participant.code}")
    if was_sa and rules.active_security_admin_count(participant) == 0:
        click.echo(f"warning: {participant.code} now has no Security Administrator", err=True)


def register(app):
    app.cli.add_command(participants_cli)
    app.cli.add_command(cams_cli)
