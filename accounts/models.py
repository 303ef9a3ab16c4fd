import uuid
from contextlib import nullcontext

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.emails import normalise_email
from aihm.tenancy import (
    PRIVILEGED_DB,
    TenantManager,
    current_tenant_id,
    fill_tenant,
    privileged_write_alias,
    tenant_context,
)


class Tenant(models.Model):
    """A company using AIHM; every tenant-owned row points to one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("company name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    RECRUITER = "recruiter", _("Recruiter")
    VIEWER = "viewer", _("Viewer")


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


# Candidates' emails (recruiting) follow the accounts' rule; one function, in accounts.emails.
normalize_email = normalise_email


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))

    def create_user(self, email, password=None, **fields):
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, tenant=None)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a member of one company with a role, or platform staff (no company).

    The users table is behind row-level security like every tenant table: the runtime role reads
    and writes a company's members inside that company only, and never a staff account. The look-ups
    that come before any company is known go through `accounts.selectors`. A member is saved,
    deleted and refreshed inside their own company (entered here when none is active); a staff
    account through the privileged alias, as staff tooling does.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email"), max_length=254)
    full_name = models.CharField(_("full name"), max_length=150)
    tenant = models.ForeignKey(Tenant, verbose_name=_("company"), on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.RECRUITER)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.FRENCH)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform staff"), default=False)
    invited_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()
    unscoped = models.Manager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(is_staff=True, tenant__isnull=True) | models.Q(is_staff=False, tenant__isnull=False),
                name="accounts_user_staff_xor_tenant",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)

    def _in_own_company(self, using):
        """The context and alias a write or a re-read of this account runs in."""
        if self.tenant_id is None:
            return nullcontext(), privileged_write_alias() if using in (None, DEFAULT_DB_ALIAS) else using
        if using == PRIVILEGED_DB or current_tenant_id() is not None:
            return nullcontext(), using  # staff tooling, or the active company's own rules
        return tenant_context(self.tenant_id), using

    def save(self, *args, using=None, **kwargs):
        context, using = self._in_own_company(using or self._state.db)
        with context:
            super().save(*args, using=using, **kwargs)

    def delete(self, using=None, keep_parents=False):
        context, using = self._in_own_company(using or self._state.db)
        with context:
            return super().delete(using=using, keep_parents=keep_parents)

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        context, using = self._in_own_company(using or self._state.db)
        with context:
            return super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)

    @property
    def is_tenant_admin(self):
        return self.tenant_id is not None and self.role == Role.ADMIN

    @property
    def can_write(self):
        """Admins and recruiters change things; viewers only read."""
        return self.tenant_id is not None and self.role in (Role.ADMIN, Role.RECRUITER)

    @property
    def invitation_pending(self):
        return not self.is_active and self.last_login is None and not self.has_usable_password()


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")


class AuditLog(models.Model):
    """Who did what, to which object, from where and when. Append-only, in the ORM and in the
    database (the runtime role has no UPDATE or DELETE on it). Holds ids, never personal data.

    Rows without a tenant are platform events (a failed login with an unknown email, staff
    actions); the runtime role can write them but only staff read them.
    """

    APPEND_ONLY = True

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(User, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+")
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = TenantManager.from_queryset(AppendOnlyQuerySet)()
    unscoped = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at"]
        base_manager_name = "unscoped"
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="accounts_audit_tenant_time"),
            models.Index(fields=["target_type", "target_id"], name="accounts_audit_target"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("the audit log is append-only")
        if current_tenant_id() is not None:
            fill_tenant(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")
