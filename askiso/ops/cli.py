"""`flask backup`, `flask restore`, `flask retention purge`, `flask analyze`."""

from datetime import timedelta

import click
from flask.cli import AppGroup

from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.ops import backup as backups
from askiso.ops import retention


@click.command("backup")
@click.option("--to", "destination", default=None, help="Archive path (default: instance/backups/<time>.tar.gz).")
def backup_command(destination):
    """Make a consistent online backup of the database and the stored files."""
    from flask import current_app

    if destination is None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
        destination = f"{current_app.instance_path}/backups/askiso-{stamp}.tar.gz"
    manifest = backups.create_backup(destination)
    counts = manifest["counts"]
    click.echo(
        f"backup written to {destination}: {counts['cases']} cases, {counts['messages']} messages, "
        f"{len(manifest['files'])} files"
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def restore_command(archive):
    """Restore a backup archive into this empty instance."""
    try:
        manifest = backups.restore_backup(archive)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {manifest['counts']['cases']} cases and {len(manifest['files'])} files (checksums verified)")


retention_cli = AppGroup("retention", help="Purge what is kept only for a while.")


@retention_cli.command("purge")
@click.option("--sessions-days", default=30, show_default=True, help="Keep ended sessions this many days.")
@click.option("--tokens-days", default=7, show_default=True, help="Keep used or expired one-time tokens this long.")
def purge(sessions_days, tokens_days):
    """Delete expired tokens and old sessions (audited). Closed cases are kept."""
    counts = retention.purge(
        sessions_before=utcnow() - timedelta(days=sessions_days), tokens_before=utcnow() - timedelta(days=tokens_days)
    )
    db.session.commit()
    click.echo(", ".join(f"{name}: {n}" for name, n in counts.items()))


@click.command("analyze")
def analyze_command():
    """Refresh the query planner's statistics and fold the kept status counts (run daily, and after a bulk load)."""
    from sqlalchemy import text

    from askiso.cases import counts

    before, after = counts.compact()
    click.echo(f"status counts folded: {before} row(s) into {after}")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
        if db.engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA optimize"))
    click.echo(f"planner statistics refreshed ({db.engine.dialect.name})")


def register(app):
    app.cli.add_command(analyze_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(retention_cli)
