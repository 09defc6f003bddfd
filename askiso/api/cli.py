"""`flask tokens create EMAIL [--name NAME] [--scope read|write] [--days N]`, list and revoke."""

import click
from flask.cli import AppGroup

from askiso.api.models import ApiToken
from askiso.api.tokens import DEFAULT_DAYS, MAX_DAYS, TokenRefused, create_token, revoke_token, tokens_of
from askiso.auth.models import user_by_email
from askiso.extensions import db

tokens_cli = AppGroup("tokens", help="Personal API access tokens.")


def _user(email):
    user = user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account for {email.lower()}")
    return user


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="Command-line token", show_default=True, help="What the token is for.")
@click.option("--scope", type=click.Choice(["read", "write"]), default="write", show_default=True)
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=DEFAULT_DAYS, show_default=True, help="Lifetime.")
def create(email, name, scope, days):
    """Make a token for EMAIL and print it once (on stdout, alone, for scripts)."""
    user = _user(email)
    try:
        row, token = create_token(user, name, scope=scope, days=days, via="cli")
    except TokenRefused as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(token)
    click.echo(f"{scope} token “{row.name}” for {user.email}, expires {row.expires_at:%Y-%m-%d} (UTC)", err=True)


@tokens_cli.command("list")
@click.argument("email")
def list_tokens(email):
    """Show EMAIL's tokens (never the tokens themselves)."""
    for row in tokens_of(_user(email)):
        state = "revoked" if row.revoked_at else ("expired" if row.is_expired else "active")
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        click.echo(
            f"{row.id}\t{row.prefix}…\t{row.scope}\t{state}\texpires {row.expires_at:%Y-%m-%d}\tused {used}\t{row.name}"
        )


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id):
    """Revoke a token by the id `tokens list` shows."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"no token {token_id}")
    revoke_token(row, None, via="cli")
    db.session.commit()
    click.echo(f"revoked {row.prefix}… ({row.name})")


def register(app):
    app.cli.add_command(tokens_cli)
