"""Command-line tasks: ``flask awards create-admin`` and ``flask awards seed-demo``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from .extensions import db
from .forms import MIN_PASSWORD_LENGTH
from .models import User
from .services import ServiceError, accounts

awards = AppGroup("awards", help="Seoul Smart City Prize tasks.")


@awards.command("create-admin")
@click.option("--email", prompt=True, help="E-mail address of the secretariat member.")
@click.option("--name", prompt=True, help="Full name.")
@click.password_option(help="Password (asked twice when not given).")
def create_admin(email: str, name: str, password: str) -> None:
    """Create a secretariat account (or make an existing judge a secretariat member)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if "@" not in email:
        raise click.ClickException("That is not an e-mail address.")
    try:
        user = accounts.create_admin(email, name, password)
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Secretariat account ready: {user.email}")


@awards.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
@click.option("--extra", default=0, show_default=True, type=click.IntRange(0, 100_000),
              help="Add this many more organisations, each with a submitted nomination (for load tests).")
def seed_demo(if_empty: bool, extra: int) -> None:
    """Build the demo 2026 edition; running it again adds nothing twice."""
    from .demo import DEMO_LOGINS, DEMO_PASSWORD, seed

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
