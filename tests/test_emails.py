"""Look-alike emails are one account: normalised (NFKC, case folding, IDNA) before every
uniqueness check and look-up, and stored in that form."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.emails import normalise_email
from accounts.models import Tenant, User
from aihm.errors import Invalid
from aihm.tenancy import tenant_context
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.DEFAULT_PASSWORD
REAL = "alice@a-corp.test"
LOOK_ALIKES = [
    pytest.param("alice@ａ-corp.test", id="fullwidth-domain"),
    pytest.param("ALİCE@a-corp.test", id="dotted-capital-i"),
    pytest.param("Alice@A-CORP.test", id="case"),
    pytest.param("ａｌｉｃｅ＠a-corp.test", id="fullwidth-local-and-at"),
    pytest.param(" alice@a-corp.test. ", id="spaces-and-trailing-dot"),
]


@pytest.fixture
def alice(tenant_a):
    return factories.UserFactory(tenant=tenant_a, email=REAL, full_name="Alice Real", role="admin")


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_has_the_real_address_as_normal_form(look_alike):
    assert normalise_email(look_alike) == REAL


def test_an_international_domain_is_stored_in_its_ascii_form():
    assert normalise_email("Bob@MÜNCHEN.de") == "bob@xn--mnchen-3ya.de"
    assert normalise_email("bob@xn--mnchen-3ya.de") == "bob@xn--mnchen-3ya.de"


def test_different_mailboxes_stay_different():
    assert normalise_email("alice@a-corp.test") != normalise_email("alice@b-corp.test")
    assert normalise_email("alicia@a-corp.test") != normalise_email("alice@a-corp.test")


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_sign_up_with_a_look_alike_is_refused(alice, look_alike):
    response = APIClient().post(reverse("api-auth-register"), {
        "company_name": "Copycat", "full_name": "Mallory", "email": look_alike, "password": PASSWORD,
    }, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400, response.content
    assert "email" in response.json()["errors"]
    assert not Tenant.objects.filter(name="Copycat").exists()


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_the_sign_up_page_refuses_a_look_alike(alice, look_alike):
    response = Client().post(reverse("accounts:signup"), {
        "company_name": "Copycat", "full_name": "Mallory", "email": look_alike,
        "password": PASSWORD, "password_confirmation": PASSWORD,
    }, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["An account with this email already exists."]


def test_a_new_account_is_stored_in_the_normal_form():
    user = services.register_company(
        company_name="Beta", full_name="Bea", email="BEA@ＢＥＴＡ.test", password=PASSWORD,
    )
    assert user.email == "bea@beta.test"


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_inviting_a_look_alike_is_refused(alice, admin_b, look_alike):
    with tenant_context(admin_b.tenant_id), pytest.raises(Invalid) as refused:
        services.invite_user(by=admin_b, email=look_alike, full_name="Alice Twin")
    assert refused.value.field == "email"


@pytest.mark.parametrize("look_alike", LOOK_ALIKES[:2])
def test_changing_ones_email_to_a_look_alike_is_refused(alice, admin_b, look_alike):
    with tenant_context(admin_b.tenant_id), pytest.raises(Invalid) as refused:
        services.update_profile(user=admin_b, email=look_alike)
    assert refused.value.field == "email"


def test_a_profile_email_is_stored_in_the_normal_form(admin_a):
    with tenant_context(admin_a.tenant_id):
        services.update_profile(user=admin_a, email="Admin.New@ＡＣＭＥ.test")
        assert User.objects.get(pk=admin_a.pk).email == "admin.new@acme.test"


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_signing_in_with_a_look_alike_reaches_the_one_account(alice, look_alike):
    response = APIClient().post(reverse("api-auth-login"), {"email": look_alike, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("look_alike", LOOK_ALIKES[:2])
def test_a_password_reset_for_a_look_alike_mails_the_real_address(alice, look_alike, mailoutbox):
    Client().post(reverse("accounts:password_reset"), {"email": look_alike})
    assert [message.to for message in mailoutbox] == [[REAL]]


def _run_email_migration():
    migration = importlib.import_module("accounts.migrations.0002_normalise_emails")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.normalise_stored_emails(apps, editor)


def _store_raw_email(user, email):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET email = %s WHERE id = %s", [email, str(user.pk)])


def test_the_migration_normalises_stored_emails_and_leaves_look_alike_pairs(tenant_a, capsys):
    with tenant_context(tenant_a.pk):
        single = factories.UserFactory(tenant=tenant_a, email="single@example.test")
        first = factories.UserFactory(tenant=tenant_a, email="twin-one@example.test")
        second = factories.UserFactory(tenant=tenant_a, email="twin-two@example.test")
        _store_raw_email(single, "Single@ＥＸＡＭＰＬＥ.test")
        _store_raw_email(first, "twin@example.test")
        _store_raw_email(second, "ｔｗｉｎ@example.test")

        _run_email_migration()

        emails = dict(User.objects.values_list("pk", "email"))
    assert emails[single.pk] == "single@example.test"
    assert {emails[first.pk], emails[second.pk]} == {"twin@example.test", "ｔｗｉｎ@example.test"}
    reported = capsys.readouterr().out
    assert str(first.pk) in reported and str(second.pk) in reported and "twin" not in reported.lower()
