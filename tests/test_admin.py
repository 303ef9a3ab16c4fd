"""Staff admin: every tenant's data through the privileged alias, every look audited, and no way
in for company users (tenant admins are not staff)."""

import pytest
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
    user = User.objects.get(email="new.person@acme.test")
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
    before = User.objects.count()
    response = staff_client.post(reverse("admin:accounts_user_add"), add_user_form(tenant=str(tenant_a.pk), **fields))
    assert response.status_code == 200
    assert field_in_error in response.context_data["adminform"].form.errors
    assert User.objects.count() == before


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
