"""Create a platform staff superuser: no company, all admin rights.

Interactive by default; `--no-input` reads ADMIN_EMAIL, ADMIN_PASSWORD and ADMIN_FULL_NAME (for
deployments). Running it again with an existing email changes nothing.
"""

import getpass
import os

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.emails import normalise_email
from accounts.models import User
from accounts.selectors import user_by_email
from accounts.services import audit


class Command(BaseCommand):
    help = "Create a platform staff superuser (no company). Idempotent on the email."

    def add_arguments(self, parser):
        parser.add_argument("--email", help="The staff member's email (prompted when missing).")
        parser.add_argument("--full-name", help="The staff member's full name (prompted when missing).")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive",
            help="Read ADMIN_EMAIL, ADMIN_PASSWORD and ADMIN_FULL_NAME from the environment.",
        )

    def handle(self, *args, interactive=True, **options):
        if interactive:
            try:
                email, full_name, password = self.ask(options.get("email"), options.get("full_name"))
            except (EOFError, KeyboardInterrupt):
                raise CommandError("Cancelled (without a terminal, use --no-input and the ADMIN_* variables).")
        else:
            email, full_name, password = self.from_environment(options.get("email"), options.get("full_name"))
        if email is None:
            return
        with transaction.atomic():
            user = User.objects.create_superuser(email, password, full_name=full_name)
            audit(None, "staff.created", user)
        self.stdout.write(self.style.SUCCESS(f"Staff superuser {user.email} created."))

    def existing(self, email):
        """True (and says so) when the email already has an account, whatever its case."""
        user = user_by_email(email)
        if user is None:
            return False
        kind = "staff superuser" if user.is_staff and user.is_superuser else "account (not staff)"
        self.stdout.write(f"An {kind} with the email {user.email} already exists; nothing changed.")
        return True

    def from_environment(self, email, full_name):
        email = normalise_email(email or os.environ.get("ADMIN_EMAIL"))
        full_name = (full_name or os.environ.get("ADMIN_FULL_NAME") or "").strip()
        password = os.environ.get("ADMIN_PASSWORD") or ""
        if not email:
            raise CommandError("Set ADMIN_EMAIL (or pass --email) to create a staff superuser without prompts.")
        problem = email_problem(email)
        if problem:
            raise CommandError(f"ADMIN_EMAIL: {problem}")
        if self.existing(email):
            return None, None, None
        if not full_name:
            raise CommandError("Set ADMIN_FULL_NAME (or pass --full-name).")
        if not password:
            raise CommandError("Set ADMIN_PASSWORD to the staff superuser's password.")
        problem = password_problem(password, email, full_name)
        if problem:
            raise CommandError(f"ADMIN_PASSWORD is too weak: {problem}")
        return email, full_name, password

    def ask(self, email, full_name):
        while True:
            email = normalise_email(email or input("Email: "))
            problem = email_problem(email)
            if not problem:
                break
            self.stderr.write(f"Error: {problem}")
            email = None
        if self.existing(email):
            return None, None, None
        while not (full_name or "").strip():
            full_name = input("Full name: ")
        full_name = full_name.strip()
        while True:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("Error: the two passwords differ.")
                continue
            problem = password_problem(password, email, full_name)
            if not problem:
                return email, full_name, password
            self.stderr.write(f"Error: {problem}")


def email_problem(email):
    try:
        validate_email(email)
    except ValidationError:
        return "enter a valid email address."
    return None


def password_problem(password, email, full_name):
    """The validators' messages, checked against the person the password is for."""
    try:
        password_validation.validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as error:
        return " ".join(error.messages)
    return None
