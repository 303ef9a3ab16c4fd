"""Demo data to try AIHM locally: the company "Demo Recrutement" with an admin, a recruiter and
a viewer, and a platform staff member, all with one demo password.

Idempotent: a second run leaves the same state (missing people are created, changed roles,
names and passwords are put back, nothing is duplicated).

Later parts of the product fill the demo company without this module knowing them: an app
with a `demo` module defining `seed_demo(company)` is called, in INSTALLED_APPS order, inside
the company's tenant context, with a `DemoCompany` (tenant, admin, recruiter, viewer). Each
`seed_demo` must be idempotent too (look its rows up by a natural key before creating them).
"""

import os
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from accounts.emails import normalise_email
from accounts.models import Role, Tenant, User
from accounts.selectors import user_by_email
from accounts.services import register_company
from aihm.errors import DomainError
from aihm.tenancy import tenant_context

DEMO_COMPANY = "Demo Recrutement"
DEFAULT_DEMO_PASSWORD = "demo-aihm-2026!"
DEMO_MEMBERS = [
    ("admin@demo.aihm.test", "Nadia Benali", Role.ADMIN),
    ("recruteur@demo.aihm.test", "Youssef Alaoui", Role.RECRUITER),
    ("lecteur@demo.aihm.test", "Claire Martin", Role.VIEWER),
]
DEMO_STAFF = ("staff@aihm.test", "Sam Support")


@dataclass
class DemoCompany:
    tenant: Tenant
    admin: User
    recruiter: User
    viewer: User


def demo_password():
    """SEED_PASSWORD, or the public demo password (refused in production)."""
    chosen = os.environ.get("SEED_PASSWORD", "")
    if not chosen and settings.PRODUCTION:
        raise CommandError("Refusing the public demo password in production: set SEED_PASSWORD.")
    password = chosen or DEFAULT_DEMO_PASSWORD
    for email, full_name, _role in [*DEMO_MEMBERS, (*DEMO_STAFF, None)]:
        try:
            password_validation.validate_password(password, User(email=email, full_name=full_name))
        except ValidationError as error:
            raise CommandError(f"SEED_PASSWORD is too weak for {email}: {' '.join(error.messages)}") from error
    return password


def seed_company(password):
    """The demo tenant, created with its admin through the sign-up service the first time."""
    admin_email, admin_name, _role = DEMO_MEMBERS[0]
    admin = user_by_email(admin_email)
    if admin is None:
        try:
            admin = register_company(
                company_name=DEMO_COMPANY, full_name=admin_name, email=admin_email, password=password,
            )
        except DomainError as error:
            raise CommandError(error.message) from error
    if admin.tenant is None:
        raise CommandError(f"{admin_email} exists as platform staff; the demo company needs it as its admin.")
    tenant = admin.tenant
    if tenant.name != DEMO_COMPANY or not tenant.is_active:
        tenant.name, tenant.is_active = DEMO_COMPANY, True
        tenant.save(update_fields=["name", "is_active"])
    return tenant


def ensure_user(email, full_name, password, *, tenant=None, role=Role.RECRUITER, staff=False):
    """The user in the seeded state: created when missing, otherwise put back as seeded.

    The password is set only when it differs, so a second run does not sign anyone out.
    """
    email = normalise_email(email)
    wanted = {"full_name": full_name, "tenant": tenant, "role": role, "is_active": True,
              "is_staff": staff, "is_superuser": staff}
    user = user_by_email(email)
    if user is None:
        return User.objects.create_user(email, password, **wanted)
    if user.tenant_id != getattr(tenant, "pk", None):
        raise CommandError(f"{email} already exists outside the demo company; remove it or use another database.")
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, wanted[field])
    if not user.check_password(password):
        user.set_password(password)
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    return user


def seed_members(tenant, password):
    members = {role: ensure_user(email, name, password, tenant=tenant, role=role) for email, name, role in DEMO_MEMBERS}
    return DemoCompany(tenant=tenant, admin=members[Role.ADMIN], recruiter=members[Role.RECRUITER], viewer=members[Role.VIEWER])


def seed_staff(password):
    email, full_name = DEMO_STAFF
    return ensure_user(email, full_name, password, staff=True, role=Role.RECRUITER)


def seed_app_demos(company):
    """Each app's `demo.seed_demo(company)`, inside the demo company's tenant context."""
    with tenant_context(company.tenant.pk):
        for app_config in apps.get_app_configs():
            if module_has_submodule(app_config.module, "demo"):
                import_module(f"{app_config.name}.demo").seed_demo(company)


class Command(BaseCommand):
    help = "Create (or put back) the demo company, its users and a staff member. Idempotent."

    def handle(self, *args, **options):
        password = demo_password()
        with transaction.atomic():
            company = seed_members(seed_company(password), password)
            staff = seed_staff(password)
            seed_app_demos(company)
        self.print_logins(company, staff, password_chosen=bool(os.environ.get("SEED_PASSWORD")))

    def print_logins(self, company, staff, password_chosen):
        url = settings.FRONTEND_URL + "/"
        password = "the SEED_PASSWORD you set" if password_chosen else DEFAULT_DEMO_PASSWORD
        lines = [
            self.style.SUCCESS(f"Demo company \"{company.tenant.name}\" is ready."),
            f"  Open      {url}",
            f"  admin     {company.admin.email}",
            f"  recruiter {company.recruiter.email}",
            f"  viewer    {company.viewer.email}",
            f"  staff     {staff.email}  (staff admin: {url}admin/)",
            f"  password  {password}  (the same for all)",
        ]
        self.stdout.write("\n".join(lines))
