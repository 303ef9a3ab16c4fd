"""The accounts API (/api/v1/auth/): sign-up, sign-in with lockout and throttling, JWT lifetime and
rotation, profile, password, team management, audit log; who may call what; another company's
member is a 404."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.api import WRONG_CREDENTIALS
from accounts.models import AuditLog, Role, Tenant, User
from aihm.api import AuthThrottle
from aihm.tenancy import bypassing_rls, tenant_context
from tests import factories
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db

PASSWORD = factories.DEFAULT_PASSWORD
NEW_PASSWORD = "Another-Long-Passphrase-42"
FRONTEND = "https://app.aihm.test"


@pytest.fixture(autouse=True)
def _frontend_url(settings):
    settings.FRONTEND_URL = FRONTEND


def url(name, *args):
    return reverse(f"api-auth-{name}", args=args)


def english_client():
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def with_bearer(access):
    client = english_client()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def login(email, password=PASSWORD, client=None):
    return (client or english_client()).post(url("login"), {"email": email, "password": password}, format="json")


def tokens_for(user):
    response = login(user.email)
    assert response.status_code == 200, response.content
    return response.json()


def audit_actions(tenant_id):
    with tenant_context(tenant_id):
        return list(AuditLog.objects.values_list("action", flat=True))


# --- Sign-up ---

def test_register_creates_the_company_and_its_admin_and_returns_working_tokens():
    response = english_client().post(url("register"), {
        "company_name": "Initech", "full_name": "Peter Gibbons", "email": "Peter@Initech.test",
        "password": NEW_PASSWORD,
    }, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"tenant", "user", "access", "refresh"}
    assert set(body["tenant"]) == {"id", "name", "created_at"} and body["tenant"]["name"] == "Initech"
    assert body["user"]["email"] == "peter@initech.test"
    assert body["user"]["role"] == "admin" and body["user"]["status"] == "active"
    assert body["user"]["language"] == "en"
    me = with_bearer(body["access"]).get(url("me"))
    assert me.status_code == 200
    assert me.json()["tenant"] == {"id": body["tenant"]["id"], "name": "Initech"}
    assert {"tenant.registered", "login"} <= set(audit_actions(body["tenant"]["id"]))


def test_register_refuses_a_weak_password_naming_the_field():
    response = english_client().post(url("register"), {
        "company_name": "Initech", "full_name": "Peter Gibbons", "email": "peter@initech.test", "password": "12345",
    }, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert "password" in response.json()["message"]
    assert not Tenant.objects.filter(name="Initech").exists()


def test_register_refuses_an_email_taken_in_another_case(admin_a):
    response = english_client().post(url("register"), {
        "company_name": "Initech", "full_name": "Peter Gibbons", "email": "ADMIN@Acme.TEST", "password": NEW_PASSWORD,
    }, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]
    with tenant_context(admin_a.tenant_id):
        assert User.objects.filter(email__iexact="admin@acme.test").count() == 1


def test_register_ignores_a_bearer_token_of_another_company(admin_a):
    """A client that still sends its old token signs a new company up, not into Acme."""
    client = bearer_for(admin_a)
    response = client.post(url("register"), {
        "company_name": "Initech", "full_name": "Peter Gibbons", "email": "peter@initech.test", "password": NEW_PASSWORD,
    }, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["tenant"]["id"] != str(admin_a.tenant_id)


# --- Sign-in ---

def test_login_returns_tokens_audits_and_records_the_login(admin_a):
    response = login("ADMIN@acme.test")

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    assert with_bearer(response.json()["access"]).get(url("me")).json()["email"] == admin_a.email
    admin_a.refresh_from_db()
    assert admin_a.last_login is not None
    assert "login" in audit_actions(admin_a.tenant_id)


def test_wrong_password_and_unknown_email_get_the_same_401(admin_a):
    wrong_password = login(admin_a.email, "not-the-password")
    unknown_email = login("nobody@acme.test", "not-the-password")

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json()["message"] == unknown_email.json()["message"] == str(WRONG_CREDENTIALS)
    assert wrong_password["WWW-Authenticate"].startswith("Bearer")
    assert "login.failed" in audit_actions(admin_a.tenant_id)


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])  # staff rows: privileged only
def test_platform_staff_get_no_api_tokens(staff_user):
    response = login(staff_user.email)

    assert response.status_code == 403
    assert "access" not in response.json()
    assert bearer_for(staff_user).get(url("me")).status_code == 401


def test_a_pending_invitation_cannot_sign_in(admin_a):
    with tenant_context(admin_a.tenant_id):
        invited = services.invite_user(by=admin_a, email="new@acme.test", full_name="New Person")

    assert login(invited.email, "anything-at-all-1").status_code == 401


def test_members_of_a_suspended_company_get_no_tokens(admin_a, tenant_a):
    tokens = tokens_for(admin_a)
    Tenant.objects.filter(pk=tenant_a.pk).update(is_active=False)

    assert login(admin_a.email).status_code == 403
    assert with_bearer(tokens["access"]).get(url("me")).status_code == 401
    assert english_client().post(url("refresh"), {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_login_with_a_bearer_token_of_another_company_signs_into_the_right_one(admin_a, admin_b):
    response = login(admin_b.email, client=bearer_for(admin_a))

    assert response.status_code == 200
    assert with_bearer(response.json()["access"]).get(url("me")).json()["tenant"]["id"] == str(admin_b.tenant_id)


def test_lockout_after_the_failure_limit_answers_429_json_and_is_audited(admin_a):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [login(admin_a.email, f"wrong-password-{n}").status_code for n in range(limit)]

    assert statuses == [401] * (limit - 1) + [429]
    response = login(admin_a.email)  # the right password, too late
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "locked_out"
    assert "access" not in response.json()
    actions = audit_actions(admin_a.tenant_id)
    assert actions.count("login.failed") >= limit - 1
    assert "login.locked_out" in actions
    assert "login" not in actions


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_lockout_of_an_unknown_email_is_a_platform_event():
    """No account to attach it to: the entries have no company, and only staff (BYPASSRLS) read them."""
    statuses = [login("ghost@nowhere.test", f"wrong-password-{n}").status_code for n in range(settings.AXES_FAILURE_LIMIT)]

    assert statuses[-1] == 429
    actions = list(bypassing_rls(AuditLog).filter(tenant__isnull=True).values_list("action", flat=True))
    assert "login.failed" in actions and "login.locked_out" in actions


def test_api_requests_are_counted_per_user_per_window(admin_a, recruiter_a, monkeypatch):
    from aihm.api import UserThrottle

    monkeypatch.setattr(UserThrottle, "rate", "3/min", raising=False)
    with time_machine.travel("2026-12-02 10:00:10", tick=False):
        client = bearer_for(admin_a)
        statuses = [client.get(reverse("api-auth-me")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get(reverse("api-auth-me"))
        assert refused.status_code == 429 and refused.json()["retry_after_seconds"] == 50
        assert bearer_for(recruiter_a).get(reverse("api-auth-me")).status_code == 200  # another user's count
    with time_machine.travel("2026-12-02 10:01:00", tick=False):
        assert client.get(reverse("api-auth-me")).status_code == 200  # the next minute is a new window


def test_login_is_throttled_per_client_address(admin_a, monkeypatch):
    monkeypatch.setattr(AuthThrottle, "rate", "3/min", raising=False)

    statuses = [login(admin_a.email).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    forged = english_client()
    forged.credentials(HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_ACCEPT_LANGUAGE="en")
    response = login(admin_a.email, client=forged)
    assert response.status_code == 429, "a forged X-Forwarded-For must not buy a fresh allowance"
    assert response.json()["retry_after_seconds"] > 0
    assert response.json()["message"]


# --- Tokens ---

def test_an_expired_access_token_is_refused(admin_a):
    access = tokens_for(admin_a)["access"]
    later = timezone.now() + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] + timedelta(seconds=5)

    with time_machine.travel(later, tick=False):
        response = with_bearer(access).get(url("me"))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_rotates_and_a_spent_refresh_token_is_refused(admin_a):
    first = tokens_for(admin_a)

    rotated = english_client().post(url("refresh"), {"refresh": first["refresh"]}, format="json")

    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first["refresh"]
    assert with_bearer(rotated.json()["access"]).get(url("me")).status_code == 200
    reused = english_client().post(url("refresh"), {"refresh": first["refresh"]}, format="json")
    assert reused.status_code == 401
    again = english_client().post(url("refresh"), {"refresh": rotated.json()["refresh"]}, format="json")
    assert again.status_code == 200


def test_an_access_token_is_not_a_refresh_token(admin_a):
    access = tokens_for(admin_a)["access"]

    for token in (access, "not-a-token"):
        assert english_client().post(url("refresh"), {"refresh": token}, format="json").status_code == 401


def test_refresh_tokens_die_with_a_password_change(admin_a):
    tokens = tokens_for(admin_a)

    changed = with_bearer(tokens["access"]).post(
        url("change-password"), {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")

    assert changed.status_code == 200
    assert english_client().post(url("refresh"), {"refresh": tokens["refresh"]}, format="json").status_code == 401
    fresh = english_client().post(url("refresh"), {"refresh": changed.json()["refresh"]}, format="json")
    assert fresh.status_code == 200


def test_refresh_is_refused_for_a_deactivated_or_deleted_account(admin_a, recruiter_a):
    admin_refresh, recruiter_refresh = tokens_for(admin_a)["refresh"], tokens_for(recruiter_a)["refresh"]
    with tenant_context(admin_a.tenant_id):
        User.objects.filter(pk=admin_a.pk).update(is_active=False)
        User.objects.filter(pk=recruiter_a.pk).delete()

    for refresh in (admin_refresh, recruiter_refresh):
        response = english_client().post(url("refresh"), {"refresh": refresh}, format="json")
        assert response.status_code == 401
        assert response.json()["message"]


def test_logout_revokes_the_refresh_token(admin_a):
    refresh = tokens_for(admin_a)["refresh"]

    assert english_client().post(url("logout"), {"refresh": refresh}, format="json").status_code == 204
    assert english_client().post(url("refresh"), {"refresh": refresh}, format="json").status_code == 401


# --- Profile and password ---

def test_me_shows_the_profile_with_the_company(recruiter_a):
    body = bearer_for(recruiter_a).get(url("me")).json()

    assert body["id"] == str(recruiter_a.pk)
    assert body["email"] == recruiter_a.email and body["full_name"] == recruiter_a.full_name
    assert body["role"] == "recruiter" and body["language"] == "fr"
    assert body["tenant"] == {"id": str(recruiter_a.tenant_id), "name": "Acme"}
    assert body["created_at"]


def test_a_viewer_edits_their_own_profile(viewer_a):
    response = bearer_for(viewer_a).patch(url("me"), {"full_name": "Victor V.", "language": "en"}, format="json")

    assert response.status_code == 200
    assert response.json()["full_name"] == "Victor V." and response.json()["language"] == "en"
    viewer_a.refresh_from_db()
    assert viewer_a.full_name == "Victor V."
    assert "user.profile_updated" in audit_actions(viewer_a.tenant_id)


def test_put_me_replaces_the_whole_profile(recruiter_a):
    client = bearer_for(recruiter_a)

    incomplete = client.put(url("me"), {"full_name": "Rita R."}, format="json")
    complete = client.put(url("me"), {"full_name": "Rita R.", "email": "Rita.R@acme.test", "language": "en"}, format="json")

    assert incomplete.status_code == 400 and "email" in incomplete.json()["errors"]
    assert complete.status_code == 200
    assert complete.json()["email"] == "rita.r@acme.test"


def test_me_refuses_an_email_of_another_account(recruiter_a, admin_b):
    response = bearer_for(recruiter_a).patch(url("me"), {"email": "BOSS@globex.test"}, format="json")

    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_change_password(recruiter_a):
    client = bearer_for(recruiter_a)

    wrong_old = client.post(
        url("change-password"), {"old_password": "nope-nope-nope", "new_password": NEW_PASSWORD}, format="json")
    weak_new = client.post(url("change-password"), {"old_password": PASSWORD, "new_password": "password"}, format="json")
    changed = client.post(url("change-password"), {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")

    assert wrong_old.status_code == 400 and "old_password" in wrong_old.json()["errors"]
    assert weak_new.status_code == 400 and "new_password" in weak_new.json()["errors"]
    assert changed.status_code == 200
    assert with_bearer(changed.json()["access"]).get(url("me")).status_code == 200
    assert login(recruiter_a.email).status_code == 401
    assert login(recruiter_a.email, NEW_PASSWORD).status_code == 200
    assert "password.changed" in audit_actions(recruiter_a.tenant_id)


# --- Team ---

def test_users_are_listed_paginated_and_searched(admin_a, recruiter_a, viewer_a, admin_b):
    client = bearer_for(viewer_a)

    page = client.get(url("users"), {"page_size": 2}).json()
    found = client.get(url("users"), {"search": "RITA"}).json()
    by_email = client.get(url("users"), {"search": "victor@"}).json()

    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    everyone = page["results"] + client.get(page["next"]).json()["results"]
    assert {member["email"] for member in everyone} == {admin_a.email, recruiter_a.email, viewer_a.email}
    assert [member["id"] for member in found["results"]] == [str(recruiter_a.pk)]
    assert [member["id"] for member in by_email["results"]] == [str(viewer_a.pk)]
    assert set(everyone[0]) >= {"id", "email", "full_name", "role", "status", "created_at"}


def test_an_admin_invites_a_member_by_email(admin_a, mailoutbox):
    response = bearer_for(admin_a).post(
        url("users"), {"email": "New@Acme.test", "full_name": "New Person", "role": "viewer"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "invited"
    assert response.json()["role"] == "viewer" and response.json()["email"] == "new@acme.test"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new@acme.test"]
    assert f"{FRONTEND}/accounts/invitation/" in mailoutbox[0].body
    assert "user.invited" in audit_actions(admin_a.tenant_id)


@pytest.mark.parametrize("member", ["recruiter_a", "viewer_a"])
def test_only_admins_invite(member, request, mailoutbox):
    user = request.getfixturevalue(member)

    response = bearer_for(user).post(url("users"), {"email": "new@acme.test", "full_name": "New Person"}, format="json")

    assert response.status_code == 403
    assert response.json()["message"]
    with tenant_context(user.tenant_id):
        assert not User.objects.filter(email="new@acme.test").exists()
    assert mailoutbox == []


def test_an_admin_changes_a_role_but_not_of_the_last_admin(admin_a, recruiter_a):
    client = bearer_for(admin_a)

    changed = client.patch(url("user", recruiter_a.pk), {"role": "viewer"}, format="json")
    last_admin = client.patch(url("user", admin_a.pk), {"role": "recruiter"}, format="json")

    assert changed.status_code == 200 and changed.json()["role"] == "viewer"
    assert last_admin.status_code == 409
    assert "admin" in last_admin.json()["message"]
    admin_a.refresh_from_db()
    assert admin_a.role == Role.ADMIN


@pytest.mark.parametrize("member", ["recruiter_a", "viewer_a"])
def test_only_admins_change_roles_or_remove_members(member, request, admin_a):
    client = bearer_for(request.getfixturevalue(member))

    assert client.patch(url("user", admin_a.pk), {"role": "viewer"}, format="json").status_code == 403
    assert client.delete(url("user", admin_a.pk)).status_code == 403
    assert client.get(url("user", admin_a.pk)).status_code == 200


def test_an_admin_removes_a_member_but_not_the_last_admin(admin_a, recruiter_a):
    client = bearer_for(admin_a)
    recruiter_refresh = tokens_for(recruiter_a)["refresh"]

    assert client.delete(url("user", recruiter_a.pk)).status_code == 204
    with tenant_context(admin_a.tenant_id):
        assert not User.objects.filter(pk=recruiter_a.pk).exists()
    assert english_client().post(url("refresh"), {"refresh": recruiter_refresh}, format="json").status_code == 401
    last_admin = client.delete(url("user", admin_a.pk))
    assert last_admin.status_code == 409 and last_admin.json()["message"]
    with tenant_context(admin_a.tenant_id):
        assert User.objects.filter(pk=admin_a.pk).exists()
    assert "user.removed" in audit_actions(admin_a.tenant_id)


@pytest.mark.parametrize("method,body", [("get", None), ("patch", {"role": "viewer"}), ("delete", None)])
def test_another_companys_member_is_a_404(admin_b, recruiter_a, method, body):
    response = getattr(bearer_for(admin_b), method)(url("user", recruiter_a.pk), body, format="json")

    assert response.status_code == 404
    assert response.json() == {"message": response.json()["message"]}
    recruiter_a.refresh_from_db()
    assert recruiter_a.role == Role.RECRUITER


def test_another_companys_members_are_not_listed(admin_b, admin_a, recruiter_a):
    results = bearer_for(admin_b).get(url("users"), {"search": "acme"}).json()

    assert results["count"] == 0


# --- Audit log ---

def test_the_audit_log_is_for_admins_only(recruiter_a, viewer_a):
    for user in (recruiter_a, viewer_a):
        assert bearer_for(user).get(url("audit-logs")).status_code == 403


def test_the_audit_log_shows_only_the_company_entries_with_their_actor(admin_a, recruiter_a, admin_b):
    with tenant_context(admin_a.tenant_id):
        services.change_role(by=admin_a, user=recruiter_a, role=Role.VIEWER)
    with tenant_context(admin_b.tenant_id):
        services.audit(admin_b, "globex.secret", admin_b)

    page = bearer_for(admin_a).get(url("audit-logs")).json()
    only_roles = bearer_for(admin_a).get(url("audit-logs"), {"action": "user.role_changed"}).json()

    assert set(page) == {"count", "next", "previous", "results"}
    assert "globex.secret" not in {entry["action"] for entry in page["results"]}
    assert only_roles["count"] == 1
    entry = only_roles["results"][0]
    assert set(entry) == {"id", "created_at", "action", "actor", "target_type", "target_id", "ip", "details"}
    assert entry["actor"] == {"id": str(admin_a.pk), "full_name": admin_a.full_name}
    assert entry["target_id"] == str(recruiter_a.pk)
    assert entry["details"] == {"previous": "recruiter", "role": "viewer"}
    globex = bearer_for(admin_b).get(url("audit-logs")).json()
    assert {e["action"] for e in globex["results"]} == {"globex.secret"}


def test_the_audit_log_names_actors_in_one_query_whatever_the_page_size(admin_a, tenant_a):
    def queries_for_a_page_with(actor_count):
        with tenant_context(tenant_a.pk):
            for _ in range(actor_count):
                actor = factories.UserFactory(tenant=tenant_a)
                services.audit(actor, "test.event")
        client = bearer_for(admin_a)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("audit-logs"), {"action": "test.event"}).status_code == 200
        return len(queries)

    assert queries_for_a_page_with(2) == queries_for_a_page_with(8)


def test_a_removed_actor_shows_with_no_name(admin_a, recruiter_a):
    removed_id = str(recruiter_a.pk)
    with tenant_context(admin_a.tenant_id):
        services.audit(recruiter_a, "test.event")
        services.remove_user(by=admin_a, user=recruiter_a)

    entry = bearer_for(admin_a).get(url("audit-logs"), {"action": "test.event"}).json()["results"][0]

    assert entry["actor"] == {"id": removed_id, "full_name": None}


def test_an_access_token_dies_with_a_password_change(admin_a):
    client = bearer_for(admin_a)
    assert client.get(reverse("api-auth-me")).status_code == 200
    services.set_password(user=admin_a, password="Another-Strong-Passphrase-7")
    assert client.get(reverse("api-auth-me")).status_code == 401


def test_a_refresh_token_never_recorded_as_issued_is_refused(admin_a, api_client):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
    from aihm.api import TenantRefreshToken

    refresh = TenantRefreshToken.for_user(admin_a)
    OutstandingToken.objects.filter(jti=refresh["jti"]).delete()
    response = api_client.post(reverse("api-auth-refresh"), {"refresh": str(refresh)}, format="json")
    assert response.status_code == 401
