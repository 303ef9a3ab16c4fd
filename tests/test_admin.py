"""Staff admin: every tenant's data through the privileged alias, every look audited, and no way
in for company users (tenant admins are not staff)."""

import re

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditLog, Role, Tenant, User
from accounts.services import audit
from aihm.admin import CrossTenantAdmin
from aihm.tenancy import PRIVILEGED_DB, bypassing_rls, tenant_context
from tests import factories

# The admin reads through the privileged connection: rows must be committed for it to see them.
cross_tenant = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

BACKEND = "accounts.backends.EmailBackend"


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user, backend=BACKEND)
    return client


@pytest.fixture
def entries(tenant_a, tenant_b):
    """One audit entry in each company and one platform event."""
    with tenant_context(tenant_a.pk):
        entry_a = factories.AuditLogFactory(action="acme.event")
    with tenant_context(tenant_b.pk):
        entry_b = factories.AuditLogFactory(action="globex.event")
    platform = audit(None, "platform.event")
    return entry_a, entry_b, platform


def staff_views(staff_user):
    return list(bypassing_rls(AuditLog).filter(action="staff.viewed", actor_id=staff_user.pk))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin_a", "recruiter_a", "viewer_a"])
@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/auditlog/", "/admin/accounts/user/", "/admin/accounts/tenant/"])
def test_company_users_never_reach_the_admin(client, request, who, url):
    client.force_login(request.getfixturevalue(who), backend=BACKEND)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get("/admin/accounts/auditlog/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@cross_tenant
def test_staff_see_the_audit_log_of_every_company_and_the_look_is_audited(staff_client, staff_user, entries):
    response = staff_client.get(reverse("admin:accounts_auditlog_changelist"))
    assert response.status_code == 200
    shown = {entry.action for entry in response.context_data["cl"].result_list}
    assert {"acme.event", "globex.event", "platform.event"} <= shown
    [view] = staff_views(staff_user)
    assert view.tenant_id is None, "a staff look is a platform event, not a company's entry"
    assert view.details == {"model": "accounts.auditlog"}


@cross_tenant
def test_the_audit_log_admin_reads_through_the_privileged_alias(staff_client, entries):
    response = staff_client.get(reverse("admin:accounts_auditlog_changelist"))
    assert response.context_data["cl"].queryset.db == PRIVILEGED_DB


@cross_tenant
def test_opening_a_company_entry_is_audited_with_its_company(staff_client, staff_user, entries, tenant_a):
    entry_a = entries[0]
    response = staff_client.get(reverse("admin:accounts_auditlog_change", args=[entry_a.pk]))
    assert response.status_code == 200
    assert b"acme.event" in response.content
    [view] = staff_views(staff_user)
    assert (view.target_type, view.target_id) == ("accounts.auditlog", str(entry_a.pk))
    assert view.details == {"tenant": str(tenant_a.pk)}
    assert view.tenant_id is None


@cross_tenant
def test_the_audit_log_cannot_be_added_changed_or_deleted_from_the_admin(staff_client, entries):
    entry_a = entries[0]
    change_url = reverse("admin:accounts_auditlog_change", args=[entry_a.pk])
    assert staff_client.get(reverse("admin:accounts_auditlog_add")).status_code == 403
    assert staff_client.post(change_url, {"action": "forged"}).status_code == 403
    assert staff_client.post(reverse("admin:accounts_auditlog_delete", args=[entry_a.pk]), {"post": "yes"}).status_code == 403
    assert bypassing_rls(AuditLog).get(pk=entry_a.pk).action == "acme.event"
    response = staff_client.get(change_url)
    assert b'name="action"' not in response.content, "the entry is shown read-only"


@cross_tenant
def test_the_audit_log_filters_by_action_and_by_company(staff_client, entries, tenant_b):
    url = reverse("admin:accounts_auditlog_changelist")
    by_action = staff_client.get(url, {"action": "acme.event"}).context_data["cl"].result_list
    assert [entry.action for entry in by_action] == ["acme.event"]
    by_company = staff_client.get(url, {"tenant__id__exact": str(tenant_b.pk)}).context_data["cl"].result_list
    assert [entry.action for entry in by_company] == ["globex.event"]


@cross_tenant
def test_an_erased_actor_is_shown_by_id(staff_client, tenant_a):
    ghost_id = "00000000-0000-0000-0000-000000000001"
    with tenant_context(tenant_a.pk):
        entry = factories.AuditLogFactory(action="ghost.event", actor_id=ghost_id)
    response = staff_client.get(reverse("admin:accounts_auditlog_change", args=[entry.pk]))
    assert response.status_code == 200
    assert ghost_id.encode() in response.content


@cross_tenant
def test_staff_list_the_users_of_every_company_and_the_look_is_audited(staff_client, staff_user, admin_a, admin_b):
    response = staff_client.get(reverse("admin:accounts_user_changelist"))
    emails = {user.email for user in response.context_data["cl"].result_list}
    assert {admin_a.email, admin_b.email, staff_user.email} <= emails
    assert [view.details for view in staff_views(staff_user)] == [{"model": "accounts.user"}]
    found = staff_client.get(reverse("admin:accounts_user_changelist"), {"q": "globex"}).context_data["cl"].result_list
    assert [user.email for user in found] == [admin_b.email]


@cross_tenant
def test_opening_a_member_is_audited(staff_client, staff_user, admin_a, tenant_a):
    response = staff_client.get(reverse("admin:accounts_user_change", args=[admin_a.pk]))
    assert response.status_code == 200
    [view] = staff_views(staff_user)
    assert (view.target_id, view.details) == (str(admin_a.pk), {"tenant": str(tenant_a.pk)})


def add_user_form(**fields):
    form = {
        "email": "New.Person@Acme.test",
        "full_name": "New Person",
        "role": Role.RECRUITER,
        "language": "fr",
        "usable_password": "true",
        "password1": "Stronger-Horse-42",
        "password2": "Stronger-Horse-42",
    }
    form.update(fields)
    return form


@cross_tenant
def test_staff_add_a_member_with_a_password_and_a_lower_case_email(staff_client, staff_user, tenant_a):
    response = staff_client.post(reverse("admin:accounts_user_add"), add_user_form(tenant=str(tenant_a.pk)))
    assert response.status_code == 302, response.context_data["adminform"].form.errors
    user = bypassing_rls(User).get(email="new.person@acme.test")
    assert user.tenant_id == tenant_a.pk and user.role == Role.RECRUITER and not user.is_staff
    assert user.check_password("Stronger-Horse-42")
    created = bypassing_rls(AuditLog).get(action="staff.created", actor_id=staff_user.pk)
    assert created.target_id == str(user.pk) and created.tenant_id is None


@cross_tenant
@pytest.mark.parametrize(("fields", "field_in_error"), [
    ({"email": "ADMIN@acme.test"}, "email"),  # exists as admin@acme.test
    ({"password1": "password123", "password2": "password123"}, "password2"),
    ({"is_staff": "on"}, "tenant"),  # staff have no company
])
def test_the_add_user_form_refuses_bad_input(staff_client, tenant_a, admin_a, fields, field_in_error):
    before = bypassing_rls(User).count()
    response = staff_client.post(reverse("admin:accounts_user_add"), add_user_form(tenant=str(tenant_a.pk), **fields))
    assert response.status_code == 200
    assert field_in_error in response.context_data["adminform"].form.errors
    assert bypassing_rls(User).count() == before


@cross_tenant
def test_a_member_needs_a_company(staff_client):
    response = staff_client.post(reverse("admin:accounts_user_add"), add_user_form())
    assert "tenant" in response.context_data["adminform"].form.errors


@cross_tenant
def test_companies_are_listed_with_their_member_count_and_never_deleted(staff_client, admin_a, recruiter_a, admin_b, tenant_a):
    response = staff_client.get(reverse("admin:accounts_tenant_changelist"))
    counts = {tenant.name: tenant.member_count for tenant in response.context_data["cl"].result_list}
    assert counts == {"Acme": 2, "Globex": 1}
    assert staff_client.post(reverse("admin:accounts_tenant_delete", args=[tenant_a.pk]), {"post": "yes"}).status_code == 403
    assert Tenant.objects.filter(pk=tenant_a.pk).exists()


class TestCrossTenantAdminBase:
    """The base class later apps use for their tenant-owned models."""

    def admin_for(self, model):
        from django.contrib import admin

        return CrossTenantAdmin(model, admin.site)

    @cross_tenant
    def test_rows_of_every_tenant_come_from_the_privileged_alias(self, rf, staff_user, entries):
        request = rf.get("/")
        request.user = staff_user
        rows = self.admin_for(AuditLog).get_queryset(request)
        assert rows.db == PRIVILEGED_DB
        assert {"acme.event", "globex.event", "platform.event"} <= set(rows.values_list("action", flat=True))

    @cross_tenant
    def test_staff_add_nothing_and_delete_one_object_at_a_time(self, rf, staff_user):
        request = rf.get("/admin/")
        request.user = staff_user
        model_admin = self.admin_for(AuditLog)
        assert model_admin.has_add_permission(request) is False
        assert "delete_selected" not in model_admin.get_actions(request)


def position_form(**fields):
    data = {
        "title": "Agent bilingue", "description": "", "skills": '["Français"]', "must_haves": "[]",
        "nice_to_haves": "[]", "min_years_experience": "", "location": "", "contract_type": "permanent",
        "language": "fr", "status": "draft",
    }
    data.update(fields)
    return data


@cross_tenant
def test_staff_create_a_position_for_a_company_and_it_is_audited(staff_client, staff_user, tenant_a):
    from recruiting.models import Position

    response = staff_client.post(reverse("admin:recruiting_position_add"), position_form(company=str(tenant_a.pk)))
    assert response.status_code == 302, response.content[:2000]
    created = bypassing_rls(Position).get(title="Agent bilingue")
    assert created.tenant_id == tenant_a.pk and created.owner_id is None
    assert bypassing_rls(AuditLog).filter(action="staff.created", actor_id=staff_user.pk, target_id=str(created.pk)).exists()


@cross_tenant
@pytest.mark.parametrize(("fields", "field_in_error"), [
    ({"company": ""}, "company"),
    ({"must_haves": '["moins de 30 ans"]'}, "must_haves"),
])
def test_the_position_form_applies_the_dashboard_rules(staff_client, tenant_a, fields, field_in_error):
    from recruiting.models import Position

    response = staff_client.post(reverse("admin:recruiting_position_add"), position_form(**{"company": str(tenant_a.pk), **fields}))
    assert response.status_code == 200 and field_in_error in response.context["adminform"].form.errors
    assert not bypassing_rls(Position).exists()


@cross_tenant
def test_staff_cannot_delete_a_position_that_has_candidates(staff_client, tenant_a):
    from recruiting.models import Position

    with tenant_context(tenant_a.pk):
        candidate = factories.CandidateFactory()
    url = reverse("admin:recruiting_position_delete", args=[candidate.position_id])
    staff_client.post(url, {"post": "yes"})
    assert bypassing_rls(Position).filter(pk=candidate.position_id).exists()


# --- Every admin is audited; credentials are never shown ---

def registered_admins():
    from django.contrib import admin

    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)

@pytest.mark.parametrize(("model", "model_admin"), registered_admins(), ids=[m._meta.label for m, _ in registered_admins()])
def test_every_registered_admin_is_audited(model, model_admin):
    from aihm.admin import AuditedStaffAccess

    assert isinstance(model_admin, AuditedStaffAccess), f"{model._meta.label} is in the admin without an audit of staff access"


def test_refresh_tokens_are_never_in_the_admin():
    from django.contrib import admin
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    assert not admin.site.is_registered(OutstandingToken)
    assert not admin.site.is_registered(BlacklistedToken)


@cross_tenant
def test_a_refresh_token_cannot_be_read_in_the_admin(staff_client, admin_a):
    from aihm.api import TenantRefreshToken

    token = TenantRefreshToken.for_user(admin_a)
    for url in ("/admin/token_blacklist/outstandingtoken/", "/admin/token_blacklist/blacklistedtoken/"):
        response = staff_client.get(url)
        assert response.status_code == 404
    assert str(token).encode() not in staff_client.get("/admin/").content


@cross_tenant
def test_a_third_party_admin_is_audited_too(staff_client, staff_user):
    from django.contrib.auth.models import Group

    assert staff_client.get(reverse("admin:auth_group_changelist")).status_code == 200
    response = staff_client.post(reverse("admin:auth_group_add"), {"name": "Support"})
    assert response.status_code == 302
    group = Group.objects.get(name="Support")
    staff_client.post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "Support N2"})
    staff_client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})
    trail = list(bypassing_rls(AuditLog).filter(actor_id=staff_user.pk, action__startswith="staff.").order_by("created_at")
                 .values_list("action", "target_type", "details"))
    assert trail == [
        ("staff.viewed", "", {"model": "auth.group"}),
        ("staff.created", "auth.group", {}),
        ("staff.changed", "auth.group", {"fields": ["Name"]}),
        ("staff.deleted", "auth.group", {}),
    ]
    assert not Group.objects.exists()


@cross_tenant
def test_staff_changing_a_member_is_audited_once_with_the_fields_changed(staff_client, staff_user, admin_a, tenant_a):
    url = reverse("admin:accounts_user_change", args=[admin_a.pk])
    form = staff_client.get(url).context_data["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name not in ("password", "groups", "user_permissions", "last_login")}
    data.update(full_name="Alice Renamed", tenant=str(tenant_a.pk), is_active="on")
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context_data["adminform"].form.errors
    [changed] = bypassing_rls(AuditLog).filter(action="staff.changed", actor_id=staff_user.pk)
    assert changed.target_id == str(admin_a.pk) and changed.details["fields"] == ["Full name"]


@cross_tenant
@pytest.mark.parametrize("change", [{"tenant": "other"}, {"is_staff": "on", "tenant": ""}])
def test_staff_cannot_move_a_member_to_another_company_or_to_the_staff(staff_client, admin_a, recruiter_a, tenant_b, change):
    url = reverse("admin:accounts_user_change", args=[recruiter_a.pk])
    form = staff_client.get(url).context_data["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name not in ("password", "groups", "user_permissions", "last_login")}
    data.update(tenant=str(tenant_b.pk) if change.get("tenant") == "other" else change["tenant"], is_active="on")
    if "is_staff" in change:
        data["is_staff"] = "on"
    response = staff_client.post(url, data)
    assert response.status_code == 200
    [message] = response.context_data["adminform"].form.errors["tenant"]
    assert message.startswith("Un compte reste dans son entreprise")  # the staff admin speaks French by default
    assert bypassing_rls(User).get(pk=recruiter_a.pk).tenant_id == admin_a.tenant_id


# --- What staff read: branded, translated, no id first ---

def french_staff_client(client, staff_user):
    client.force_login(staff_user, backend=BACKEND)
    client.cookies["django_language"] = "fr"
    return client


@cross_tenant
def test_the_admin_is_branded_in_french(client, staff_user):
    page = french_staff_client(client, staff_user).get("/admin/").content.decode()
    assert "<title>Administration de la plateforme | Équipe AIHM</title>" in page
    assert "Équipe AIHM" in page and "Django" not in page


@pytest.mark.parametrize(("model", "model_admin"), registered_admins(), ids=[m._meta.label for m, _ in registered_admins()])
def test_no_admin_list_starts_with_an_identifier(model, model_admin):
    from django.core.exceptions import FieldDoesNotExist

    first = model_admin.list_display[0]
    try:
        field = model._meta.get_field(first)
    except FieldDoesNotExist:
        return
    assert field.get_internal_type() != "UUIDField", f"{model._meta.label}'s list starts with an identifier"


def _labels_shown(model_admin, request):
    """(name, label source) for each list column and each field of the add and change pages."""
    from django.contrib.admin.utils import flatten_fieldsets
    from django.core.exceptions import FieldDoesNotExist

    for obj in (None, model_admin.model()):
        if obj is None and not model_admin.has_add_permission(request):
            continue
        form = model_admin.get_form(request, obj, change=obj is not None)
        names = [*model_admin.get_list_display(request), *flatten_fieldsets(model_admin.get_fieldsets(request, obj))]
        for name in dict.fromkeys(names):
            if name in form.declared_fields:
                yield name, form.base_fields[name].label
                continue
            try:
                yield name, model_admin.model._meta.get_field(name).verbose_name
            except FieldDoesNotExist:
                yield name, getattr(getattr(model_admin, name), "short_description", name)


PRODUCT_ADMINS = [(m, a) for m, a in registered_admins() if m._meta.app_label in ("accounts", "recruiting", "consent")]


@pytest.mark.django_db(databases=["default", "privileged"])
@pytest.mark.parametrize(("model", "model_admin"), PRODUCT_ADMINS, ids=[m._meta.label for m, _ in PRODUCT_ADMINS])
def test_every_label_staff_read_is_translated(rf, staff_user, model, model_admin):
    from django.utils.functional import Promise

    request = rf.get("/admin/")
    request.user = staff_user
    untranslated = [name for name, label in _labels_shown(model_admin, request) if not isinstance(label, Promise)]
    assert untranslated == [], f"{model._meta.label}: labels made up from field names"


@cross_tenant
def test_a_candidate_reads_in_french_in_the_admin(client, staff_user, tenant_a):
    with tenant_context(tenant_a.pk), time_machine.travel("2026-03-02 10:00:15", tick=False):
        candidate = factories.CandidateFactory()
    client = french_staff_client(client, staff_user)
    listing = client.get(reverse("admin:recruiting_candidate_changelist")).content.decode()
    detail = client.get(reverse("admin:recruiting_candidate_change", args=[candidate.pk])).content.decode()
    assert "Entreprise" in listing and ">Tenant<" not in listing.replace(" ", "")
    first_cell = re.search(r"<tbody>.*?<th[^>]*><a[^>]*>([^<]*)</a>", listing, re.S).group(1)
    assert first_cell == "2 mars 2026 10:00", "a list opens with something a person reads, not an id"
    for english in ("Cv content type", "Scoring claimed at", "Cv size", "Created by", "Tenant"):
        assert f">{english}" not in detail
    for french in ("Type de fichier du CV", "Taille du CV (octets)", "Évaluation commencée le", "Ajouté par", "Entreprise"):
        assert french in detail


@cross_tenant
def test_the_staff_login_is_limited_per_address(client, settings, staff_user):
    settings.AUTH_PAGE_RATE = "3/min"
    with time_machine.travel("2026-03-02 10:00:15", tick=False):
        statuses = [
            client.post(reverse("admin:login"), {"username": f"staff{n}@aihm.test", "password": "Summer2026!"}).status_code
            for n in range(4)
        ]
    assert statuses == [200, 200, 200, 429]
