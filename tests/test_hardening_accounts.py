"""Accounts under attack: racing the last-admin rule, spraying passwords at the login page, and
the language cookie's attributes."""

import threading
import time

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from accounts import services
from accounts.models import Role, User
from aihm.errors import DomainError
from aihm.tenancy import tenant_context
from tests import factories


# --- The last admin, raced ---

def _someone_waits_on_a_lock():
    """True while another connection of this database is blocked on a row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["demote", "remove"])
def test_two_admins_acting_on_each_other_at_once_leave_the_company_an_admin(monkeypatch, tenant_a, admin_a, action):
    """Each admin, in their own transaction, demotes (or removes) the other: the first one to act
    wins, the second is refused, and the company keeps an admin."""
    other_admin = factories.UserFactory(tenant=tenant_a, role=Role.ADMIN, email="ada@acme.test", full_name="Ada Admin")
    first_checked, release_first = threading.Event(), threading.Event()
    real_check = services._ensure_not_last_admin

    def check_then_hold_the_first(user):
        """The first admin stops right after the last-admin check, before writing anything."""
        real_check(user)
        if threading.current_thread().name == "first":
            first_checked.set()
            release_first.wait(timeout=30)

    monkeypatch.setattr(services, "_ensure_not_last_admin", check_then_hold_the_first)
    outcomes = {}

    def act(by_id, target_id):
        try:
            with tenant_context(tenant_a.pk):
                by, target = User.objects.get(pk=by_id), User.objects.get(pk=target_id)
                if action == "demote":
                    services.change_role(by=by, user=target, role=Role.RECRUITER)
                else:
                    services.remove_user(by=by, user=target)
            outcomes[threading.current_thread().name] = "done"
        except DomainError as error:
            outcomes[threading.current_thread().name] = error
        finally:
            connection.close()

    first = threading.Thread(target=act, args=(admin_a.pk, other_admin.pk), name="first")
    second = threading.Thread(target=act, args=(other_admin.pk, admin_a.pk), name="second")
    first.start()
    assert first_checked.wait(timeout=30)
    second.start()
    deadline = time.monotonic() + 30
    while second.is_alive() and not _someone_waits_on_a_lock() and time.monotonic() < deadline:
        second.join(timeout=0.01)  # until the second is done (not serialised) or blocked behind the first
    release_first.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert outcomes["first"] == "done"
    assert isinstance(outcomes["second"], DomainError), "the second change must be refused"
    with tenant_context(tenant_a.pk):
        admins = list(User.objects.filter(tenant=tenant_a, role=Role.ADMIN, is_active=True))
    assert admins == [admin_a]


@pytest.mark.django_db
def test_a_stale_copy_of_a_demoted_admin_cannot_change_roles(tenant_a, admin_a, recruiter_a):
    """The checks read the people again inside the locked transaction, not the caller's copy."""
    other_admin = factories.UserFactory(tenant=tenant_a, role=Role.ADMIN, email="ada@acme.test", full_name="Ada Admin")
    with tenant_context(tenant_a.pk):
        stale = User.objects.get(pk=other_admin.pk)
        services.change_role(by=admin_a, user=other_admin, role=Role.VIEWER)
        with pytest.raises(DomainError):
            services.change_role(by=stale, user=recruiter_a, role=Role.ADMIN)
        recruiter_a.refresh_from_db()
    assert recruiter_a.role == Role.RECRUITER


# --- Password spraying ---

SPRAY = [f"person{n}@acme.test" for n in range(4)]


@pytest.mark.django_db
@time_machine.travel("2026-03-02 10:00:15", tick=False)
def test_the_login_page_refuses_an_address_that_tries_many_emails(client, settings, admin_a):
    settings.AUTH_PAGE_RATE = "3/min"
    statuses = [
        client.post(reverse("accounts:login"), {"username": email, "password": "Summer2026!"}, HTTP_ACCEPT_LANGUAGE="en").status_code
        for email in SPRAY
    ]
    assert statuses == [200, 200, 200, 429]

    refused = client.post(
        reverse("accounts:login"), {"username": admin_a.email, "password": factories.DEFAULT_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en", HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert refused.status_code == 429, "the right password and a forged X-Forwarded-For do not buy a way in"
    assert refused["Retry-After"] == "60"
    assert "Too many requests came from your connection. Wait a minute, then try again." in refused.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_login_limit_is_per_window(client, settings, admin_a):
    settings.AUTH_PAGE_RATE = "3/min"
    with time_machine.travel("2026-03-02 10:00:15", tick=False):
        for email in SPRAY:
            client.post(reverse("accounts:login"), {"username": email, "password": "Summer2026!"})
    with time_machine.travel("2026-03-02 10:01:15", tick=False):
        response = client.post(reverse("accounts:login"), {"username": admin_a.email, "password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 302, "a minute later the address may sign in again"


@pytest.mark.django_db
@time_machine.travel("2026-03-02 10:00:15", tick=False)
def test_the_api_login_refuses_an_address_that_tries_many_emails(api_client, monkeypatch, admin_a):
    from aihm.api import AuthThrottle

    monkeypatch.setattr(AuthThrottle, "rate", "3/min", raising=False)
    statuses = [
        api_client.post(reverse("api-auth-login"), {"email": email, "password": "Summer2026!"}, format="json").status_code
        for email in SPRAY
    ]
    assert statuses == [401, 401, 401, 429]


# --- The language cookie ---

def language_cookie(response):
    return response.cookies["django_language"]


@pytest.mark.django_db
def test_the_language_switch_sets_a_same_site_http_only_cookie(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    cookie = language_cookie(response)
    assert cookie.value == "en"
    assert cookie["samesite"] == "Lax" and cookie["httponly"] is True
    assert "SameSite=Lax" in cookie.output() and "HttpOnly" in cookie.output()


@pytest.mark.django_db
def test_signing_in_sets_the_language_cookie_with_the_same_attributes(client, admin_a):
    response = client.post(reverse("accounts:login"), {"username": admin_a.email, "password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 302
    cookie = language_cookie(response)
    assert cookie["samesite"] == "Lax" and cookie["httponly"] is True


def test_the_language_cookie_is_secure_in_production(tmp_path):
    from tests.test_production_settings import manage, production_env

    result = manage(production_env(tmp_path), "shell", "-v0", "-c",
                    "from django.conf import settings as s; print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "Lax"]
