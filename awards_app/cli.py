"""Command-line tasks: ``flask awards create-admin``, ``seed-demo``, ``export``, ``backup``, ``restore``, ``purge``
and ``retry-mail``.

The group is also a ``flask.commands`` entry point of the installed project (pyproject.toml), so ``flask awards
--help`` lists the tasks without building the app; the app is built, and its context pushed, only for the task that
runs. This module therefore imports nothing heavy: each task imports what it uses.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

awards = AppGroup("awards", help="Seoul Smart City Prize tasks.")


@awards.command("create-admin")
@click.option("--email", prompt=True, help="E-mail address of the secretariat member.")
@click.option("--name", prompt=True, help="Full name.")
@click.password_option(help="Password (asked twice when not given).")
def create_admin(email: str, name: str, password: str) -> None:
    """Create a secretariat account (or make an existing judge a secretariat member)."""
    from .rules import MIN_PASSWORD_CHARS
    from .services import ServiceError
    from .services import accounts as accounts_service

    if len(password) < MIN_PASSWORD_CHARS:
        raise click.ClickException(f"The password needs at least {MIN_PASSWORD_CHARS} characters.")
    if "@" not in email:
        raise click.ClickException("That is not an e-mail address.")
    try:
        user = accounts_service.create_admin(email, name, password)
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Secretariat account ready: {user.email}")


@awards.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
@click.option(
    "--extra",
    default=0,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="Add this many more organisations, each with a submitted nomination (for load tests).",
)
def seed_demo(if_empty: bool, extra: int) -> None:
    """Build the demo 2026 edition; running it again adds nothing twice."""
    import sqlalchemy as sa

    from .demo import DEMO_LOGINS, DEMO_PASSWORD, seed
    from .extensions import db
    from .models import User

    if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
        click.echo("The database already has data: the demo was not loaded again.")
    else:
        click.echo(seed(extra=extra).describe())
    present = set(db.session.scalars(sa.select(User.email).where(User.email.in_(DEMO_LOGINS.values()))))
    if present:
        click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for role, email in DEMO_LOGINS.items():
            if email in present:
                click.echo(f"  {role:<12} {email}")


@awards.command("export")
@click.option("--edition", "slug", help="The edition's short name (default: the current edition).")
@click.option(
    "--round", "round_name", help="The round's name (default: the edition's latest round with counted scores)."
)
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="Where to write the .xlsx file."
)
def export(slug: str | None, round_name: str | None, out: str) -> None:
    """Write a round's results workbook (Excel) for the committee and the press."""

    from .models import RoundMode
    from .services import export as export_service
    from .services import results as results_service
    from .services import rounds as rounds_service
    from .services.programs import current_edition, edition_by_slug

    edition = edition_by_slug(slug) if slug else current_edition()
    if edition is None:
        raise click.ClickException(f"No edition {slug!r}." if slug else "There is no edition yet.")
    rounds = [r for r in rounds_service.rounds_of(edition) if r.mode is RoundMode.SCORING]
    with_results = [r for r in rounds if results_service.has_counted_scores(r)]
    names = ", ".join(r.name for r in with_results) or "none yet"
    if round_name:
        chosen = [r for r in rounds if r.name == round_name]
        if not chosen:
            raise click.ClickException(
                f"No scored round {round_name!r} in {edition.slug} (rounds with results: {names})."
            )
        if chosen[0] not in with_results:
            raise click.ClickException(
                f"The round {round_name!r} of {edition.slug} has no submitted scores yet, so "
                f"it has no results (rounds with results: {names})."
            )
    else:
        chosen = with_results[-1:]
        if not chosen:
            raise click.ClickException(
                f"No round of {edition.slug} has submitted scores yet: there are no results to export."
            )
    data = export_service.round_workbook(chosen[0])
    try:
        with open(out, "wb") as handle:
            handle.write(data)
    except OSError as error:
        raise click.ClickException(f"Cannot write {out}: {error.strerror}.") from error
    click.echo(f"Wrote {out}: {edition.name}, {chosen[0].name}.")


@awards.command("backup")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False), help="The backup file to write (.tar.gz)."
)
def backup(out: str) -> None:
    """Back up the database and the attachments, consistently, while the app runs."""
    from flask import current_app

    from .backup import BackupError, create_backup
    from .extensions import db
    from .version import __version__

    try:
        manifest = create_backup(db.engine, Path(current_app.config["UPLOAD_FOLDER"]), Path(out), __version__)
    except (BackupError, OSError) as error:
        raise click.ClickException(f"Backup failed: {error}") from error
    rows = sum(manifest.tables.values())
    files = sum(1 for member in manifest.files if member.startswith("uploads/"))
    click.echo(
        f"Wrote {out}: {manifest.database} database ({rows} rows in {len(manifest.tables)} tables) and "
        f"{files} attachment files."
    )


@awards.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore(archive: str, force: bool) -> None:
    """Bring back a backup made by `flask awards backup` (the database and the attachments)."""
    from flask import current_app

    from .backup import BackupError, restore_backup
    from .extensions import db

    db.session.remove()
    try:
        manifest = restore_backup(db.engine, Path(current_app.config["UPLOAD_FOLDER"]), Path(archive), force=force)
    except (BackupError, OSError) as error:
        raise click.ClickException(f"Restore failed: {error}") from error
    click.echo(
        f"Restored {archive} (made {manifest.created_at} by version {manifest.version}): "
        f"{sum(manifest.tables.values())} rows, "
        f"{sum(1 for m in manifest.files if m.startswith('uploads/'))} attachment files."
    )


@awards.command("purge")
@click.option(
    "--yes", is_flag=True, help="Purge the editions past their deadline (without it, only say what would go)."
)
@click.option("--edition", "slug", help="Only this edition (its short name).")
def purge(yes: bool, slug: str | None) -> None:
    """Purge the personal data of editions past their retention period; a dry run unless --yes."""
    from .i18n import human_size
    from .services import ServiceError
    from .services import erasure as erasure_service

    plans = erasure_service.purge_plan()
    if slug:
        plans = [plan for plan in plans if plan.edition.slug == slug]
        if not plans:
            raise click.ClickException(f"No edition {slug!r}.")
    else:  # the records of e-mail are kept a year whatever the edition (rules.privacy.MAIL_RECORD_DAYS)
        _purge_mail_records(yes)
    if not plans:
        click.echo("There is no edition yet: nothing to purge.")
        return
    due = [plan for plan in plans if plan.due and plan.purged_at is None]
    for plan in plans:
        edition = plan.edition
        head = f"{edition.name} ({edition.slug}): ended {plan.ended_at:%Y-%m-%d}, kept until {plan.deadline:%Y-%m-%d}"
        if plan.purged_at is not None:
            click.echo(f"{head}; purged on {plan.purged_at:%Y-%m-%d}.")
            continue
        what = (
            f"{plan.people} people ({plan.accounts} accounts deleted, {plan.kept} kept for a later edition), "
            f"{plan.nominations} nominations, {plan.documents} documents ({human_size(plan.bytes)})"
        )
        if not plan.due:
            click.echo(f"{head}; not due for {plan.days_left} more days ({what} then).")
        elif yes:
            try:
                done = erasure_service.purge(plan.edition)
            except ServiceError as error:
                raise click.ClickException(str(error.message)) from error
            click.echo(
                f"{head}; PURGED: {done.people} people ({done.accounts} accounts deleted, {done.kept} kept), "
                f"{done.nominations} nominations, {done.documents} documents ({human_size(done.bytes)})."
            )
        else:
            click.echo(f"{head}; DUE: would erase {what}.")
    if not due:
        click.echo("No edition is past its retention deadline: nothing to purge.")
    elif not yes:
        click.echo(f"Dry run: nothing was changed. Run again with --yes to purge {len(due)} edition(s).")


def _purge_mail_records(yes: bool) -> None:
    from .rules.privacy import MAIL_RECORD_DAYS
    from .services import mail as mail_service

    if yes:
        click.echo(f"Forgot {mail_service.forget_old()} record(s) of e-mail older than {MAIL_RECORD_DAYS} days.")
    else:
        old = mail_service.old_record_count()
        click.echo(f"{old} record(s) of e-mail older than {MAIL_RECORD_DAYS} days would be forgotten.")


@awards.command("retry-mail")
def retry_mail() -> None:
    """Send again every undelivered e-mail whose next attempt is due (run it every few minutes from a timer)."""
    from .services import mail as mail_service

    sent, left = mail_service.retry_due()
    undelivered = mail_service.undelivered_count()
    click.echo(f"{sent} e-mail(s) sent, {left} failed again; {undelivered} undelivered in all.")
