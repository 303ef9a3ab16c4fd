"""Test wiring: the database is created and migrated as the owner role and the tests run as the
runtime role (no superuser, no BYPASSRLS), so row-level security is really exercised.

Test bodies run with no tenant active; fixtures build tenant data inside `tenant_context`.
"""

import os

import pytest
from django.core.cache import cache
from django.db import connections

from aihm import tenancy
from tests import factories

ON_CI = bool(os.environ.get("CI"))


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests fail on CI when PostgreSQL is missing; elsewhere they skip."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] in settings.POSTGRESQL_ENGINES:
        return
    for item in items:
        if "postgres" in item.keywords:
            if ON_CI:
                item.fixturenames.insert(0, "_postgres_required")
            else:
                item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


@pytest.fixture
def _postgres_required():
    pytest.fail("CI runs the PostgreSQL tests (row-level security): set DATABASE_URL to PostgreSQL")


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    from django.conf import settings
    from django.test.utils import setup_databases, teardown_databases

    runtime_role = tenancy.runtime_role_name()
    with django_db_blocker.unblock():
        if runtime_role is None:
            old_config = setup_databases(verbosity=0, interactive=False)
        else:
            privileged, runtime = connections[tenancy.PRIVILEGED_DB], connections["default"]
            original_name = privileged.settings_dict["NAME"]
            test_name = privileged.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            runtime.close()
            runtime.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = test_name
            with privileged.cursor() as cursor:
                # Transactional tests flush the tables between tests; nothing else needs TRUNCATE.
                cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{runtime_role}"')
    yield
    with django_db_blocker.unblock():
        if runtime_role is None:
            teardown_databases(old_config, verbosity=0)
        else:
            connections["default"].close()
            connections[tenancy.PRIVILEGED_DB].creation.destroy_test_db(original_name, verbosity=0)


@pytest.fixture(autouse=True)
def _clean_slate():
    """Throttle and lockout counters live in the cache; and no test starts or ends in a tenant."""
    cache.clear()
    assert tenancy.current_tenant_id() is None
    yield
    assert tenancy.current_tenant_id() is None, "a test left a tenant context open"


@pytest.fixture(autouse=True, scope="session")
def _figures_computed_afresh():
    """The home page's figures are cached a minute in the product; a test reads them as they are
    (tests/test_dashboard_charts.py turns the cache on to prove it)."""
    from django.conf import settings

    settings.ANALYTICS_CACHE_SECONDS = 0


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Hashing strength is Django's concern, not these tests': a fast hasher saves most of the run."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Test bodies read messages in English (the source language); requests still pick their own
    language (cookie, Accept-Language, or French by default) through LocaleMiddleware."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    from aihm.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def tenant_a(db):
    return factories.TenantFactory(name="Acme")


@pytest.fixture
def tenant_b(db):
    return factories.TenantFactory(name="Globex")


@pytest.fixture
def admin_a(tenant_a):
    return factories.UserFactory(tenant=tenant_a, role="admin", email="admin@acme.test", full_name="Alice Admin")


@pytest.fixture
def recruiter_a(tenant_a):
    return factories.UserFactory(tenant=tenant_a, role="recruiter", email="rita@acme.test", full_name="Rita Recruiter")


@pytest.fixture
def viewer_a(tenant_a):
    return factories.UserFactory(tenant=tenant_a, role="viewer", email="victor@acme.test", full_name="Victor Viewer")


@pytest.fixture
def admin_b(tenant_b):
    return factories.UserFactory(tenant=tenant_b, role="admin", email="boss@globex.test", full_name="Bob Boss")


@pytest.fixture
def staff_user(db):
    return factories.StaffFactory(email="staff@aihm.test", full_name="Sam Staff")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def bearer_for(user):
    """An API client authenticated with a real access token for this user."""
    from rest_framework.test import APIClient

    from aihm.api import TenantRefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TenantRefreshToken.for_user(user).access_token}")
    return client
