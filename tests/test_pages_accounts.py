"""The accounts pages of the dashboard: sign-up, sign-in, passwords, profile, team, invitations,
audit log; who may open each one; and the page rules (no inline script or style, CSP header)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import selectors, services
from accounts.models import AuditLog, Role, Tenant
from aihm.tenancy import tenant_context
from tests import factories

pytestmark = pytest.mark.django_db

FRONTEND = "https://app.aihm.test"
NEW_PASSWORD = "Another-Long-Passphrase-42"


@pytest.fixture(autouse=True)
def _frontend_url(settings):
    settings.FRONTEND_URL = FRONTEND


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def audit_actions(tenant_id):
    with tenant_context(tenant_id):
        return list(AuditLog.objects.values_list("action", flat=True))


def link_in(message):
    """The path of the FRONTEND_URL link in an email (text and HTML bodies carry the same one)."""
    match = re.search(re.escape(FRONTEND) + r"(/[^\s\"<]+)", message.body)
    assert match, message.body
    html = message.alternatives[0][0]
    assert FRONTEND + match.group(1) in html
    return match.group(1)


def invite(admin, email="new@acme.test", role="recruiter", full_name="Nina New"):
    response = client_for(admin).post(reverse("accounts:invite"), {"email": email, "full_name": full_name, "role": role})
    assert response.status_code == 302, response.content.decode()
    return selectors.user_by_email(email)


@pytest.fixture
def member_a(tenant_a):
    return factories.UserFactory(tenant=tenant_a, role="recruiter", email="member@acme.test", full_name="Mona Member")


# --- Sign-up and sign-in ---

SIGN_UP = {
    "company_name": "Initech",
    "full_name": "Peter Gibbons",
    "email": "Peter@Initech.test",
    "password": "Tps-Reports-Are-Fine-7",
    "password_confirmation": "Tps-Reports-Are-Fine-7",
}


def test_sign_up_creates_the_company_and_its_admin_and_signs_in(client):
    response = client.post(reverse("accounts:signup"), SIGN_UP)

    assert response.status_code == 302 and response.url == reverse("home")
    user = selectors.user_by_email("peter@initech.test")
    assert user.role == Role.ADMIN and user.tenant.name == "Initech"
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Initech" in home.content.decode()
    assert "tenant.registered" in audit_actions(user.tenant_id)


def test_sign_up_refuses_a_weak_password(client):
    response = client.post(reverse("accounts:signup"), {**SIGN_UP, "password": "12345678", "password_confirmation": "12345678"})

    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not Tenant.objects.filter(name="Initech").exists()


def test_sign_up_refuses_an_email_that_differs_only_in_case(client, admin_a):
    response = client.post(reverse("accounts:signup"), {**SIGN_UP, "email": "ADMIN@acme.TEST"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Tenant.objects.filter(name="Initech").exists()


def test_sign_up_refuses_mismatched_passwords(client):
    response = client.post(reverse("accounts:signup"), {**SIGN_UP, "password_confirmation": "Something-Else-123"})

    assert response.context["form"].errors["password_confirmation"]
    assert selectors.user_by_email("peter@initech.test") is None


def test_login_with_email_in_any_case(client, admin_a):
    response = client.post(reverse("accounts:login"), {"username": "Admin@Acme.test", "password": factories.DEFAULT_PASSWORD})

    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).context["user"] == admin_a
    assert "login" in audit_actions(admin_a.tenant_id)


def test_login_form_labels_the_field_email(client):
    page = client.get(reverse("accounts:login")).content.decode()

    assert 'type="email" name="username"' in page


def test_wrong_password_shows_an_error_without_saying_which_part_is_wrong(client, admin_a):
    response = client.post(reverse("accounts:login"), {"username": admin_a.email, "password": "nope-nope-nope"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_lockout_after_the_failure_limit(client, admin_a):
    statuses = [
        client.post(reverse("accounts:login"), {"username": admin_a.email, "password": f"wrong-{n}"}).status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429

    response = client.post(reverse("accounts:login"), {"username": admin_a.email, "password": factories.DEFAULT_PASSWORD})

    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert_clean_page(response)
    assert "_auth_user_id" not in client.session
    actions = audit_actions(admin_a.tenant_id)
    assert "login.failed" in actions and "login.locked_out" in actions


def test_logout_is_post_only(admin_a):
    client = client_for(admin_a)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


# --- Invitations ---

def test_invitation_link_sets_the_password_once(admin_a, mailoutbox):
    invited = invite(admin_a)

    assert not invited.is_active and invited.invitation_pending
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new@acme.test"] and "Acme" in message.subject
    path = link_in(message)

    visitor = Client()
    page = visitor.get(path, follow=True)  # the token goes to the session, the page is served token-less
    assert page.status_code == 200 and "Acme" in page.content.decode()
    response = visitor.post(path, {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})

    assert response.status_code == 302 and response.url == reverse("home")
    invited.refresh_from_db()
    assert invited.is_active and invited.check_password(NEW_PASSWORD)
    assert visitor.get(reverse("home")).context["user"] == invited
    assert Client().get(path).status_code == 404
    assert Client().post(path, {"password": "Yet-Another-Pass-99", "password_confirmation": "Yet-Another-Pass-99"}).status_code == 404


def test_invitation_refuses_a_weak_password(admin_a, mailoutbox):
    invited = invite(admin_a)
    path = link_in(mailoutbox[0])

    response = Client().post(path, {"password": "password", "password_confirmation": "password"})

    assert response.status_code == 200 and response.context["form"].errors["password"]
    invited.refresh_from_db()
    assert not invited.is_active


def test_expired_invitation_is_refused(admin_a, mailoutbox):
    invite(admin_a)
    path = link_in(mailoutbox[0])

    with time_machine.travel(timezone.now() + timedelta(days=settings.INVITATION_TIMEOUT_DAYS, hours=1), tick=False):
        response = Client().get(path)

    assert response.status_code == 404
    assert "accounts/invitation_invalid.html" in [t.name for t in response.templates]


def test_forged_invitation_token_is_refused(db):
    assert Client().get(reverse("accounts:accept_invitation", args=["not-a-token"])).status_code == 404


def test_invite_refuses_an_existing_email(admin_a, recruiter_a, mailoutbox):
    response = client_for(admin_a).post(reverse("accounts:invite"), {"email": "RITA@acme.test", "full_name": "Rita Again", "role": "viewer"})

    assert response.status_code == 200 and response.context["form"].errors["email"]
    assert mailoutbox == []


def test_resend_invitation_sends_a_new_link(admin_a, mailoutbox):
    invited = invite(admin_a)

    response = client_for(admin_a).post(reverse("accounts:resend_invitation", args=[invited.pk]))

    assert response.status_code == 302
    assert len(mailoutbox) == 2 and mailoutbox[1].to == [invited.email]


# --- Passwords ---

def test_password_change_checks_the_current_password(admin_a):
    client = client_for(admin_a)
    url = reverse("accounts:password_change")

    wrong = client.post(url, {"old_password": "not-it-at-all", "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD})
    assert wrong.status_code == 200 and wrong.context["form"].errors["old_password"]

    right = client.post(url, {"old_password": factories.DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD})
    assert right.status_code == 302
    admin_a.refresh_from_db()
    assert admin_a.check_password(NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200, "the session survives its own password change"
    assert "password.changed" in audit_actions(admin_a.tenant_id)


def test_password_change_applies_the_validators(admin_a):
    response = client_for(admin_a).post(reverse("accounts:password_change"), {
        "old_password": factories.DEFAULT_PASSWORD, "new_password": "short", "new_password_confirmation": "short",
    })

    assert response.context["form"].errors["new_password"]


def test_password_reset_by_email_end_to_end(client, admin_a, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "ADMIN@acme.test"})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    path = link_in(mailoutbox[0])

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    weak = client.post(set_password_url, {"new_password1": "abc", "new_password2": "abc"})
    assert weak.context["form"].errors["new_password2"]
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302 and done.url == reverse("accounts:password_reset_complete")
    admin_a.refresh_from_db()
    assert admin_a.check_password(NEW_PASSWORD)
    assert "password.reset" in audit_actions(admin_a.tenant_id)
    assert client.get(path, follow=True).context["validlink"] is False, "a reset link works once"


def test_password_reset_does_not_tell_whether_the_account_exists(client, admin_a, mailoutbox):
    known = client.post(reverse("accounts:password_reset"), {"email": admin_a.email})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@nowhere.test"})

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert len(mailoutbox) == 1


def test_password_reset_email_is_in_the_account_language(client, admin_a, mailoutbox):
    services.update_profile(user=admin_a, language="en")
    client.post(reverse("accounts:password_reset"), {"email": admin_a.email}, HTTP_ACCEPT_LANGUAGE="fr")

    assert mailoutbox[0].subject == "Reset your AIHM password"


# --- Profile and language ---

def test_profile_edit_and_language_switch(admin_a):
    client = client_for(admin_a)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'lang="fr"' in page and "Enregistrer" in page

    response = client.post(reverse("accounts:profile"), {"full_name": "Alice Martin", "email": "alice@acme.test", "language": "en"})

    assert response.status_code == 302
    admin_a.refresh_from_db()
    assert (admin_a.full_name, admin_a.email, admin_a.language) == ("Alice Martin", "alice@acme.test", "en")
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'lang="en"' in page and "Save" in page
    assert "user.profile_updated" in audit_actions(admin_a.tenant_id)


def test_profile_refuses_an_email_taken_by_someone_else(admin_a, recruiter_a):
    response = client_for(admin_a).post(reverse("accounts:profile"), {"full_name": "Alice", "email": "RITA@acme.test", "language": "fr"})

    assert response.status_code == 200 and response.context["form"].errors["email"]
    admin_a.refresh_from_db()
    assert admin_a.email == "admin@acme.test"


def test_language_switch_posts_to_set_language(admin_a):
    client = client_for(admin_a)
    page = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("set_language")}"' in page

    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})

    assert 'lang="en"' in client.get(reverse("home")).content.decode()


# --- Team ---

def test_team_lists_members_with_status_and_paginates(admin_a, tenant_a, admin_b):
    for number in range(30):
        factories.UserFactory(tenant=tenant_a, full_name=f"Member {number:02d}", email=f"m{number:02d}@acme.test", password=None)
    factories.UserFactory(tenant=tenant_a, full_name="Pending Person", email="pending@acme.test", is_active=False, password=None)
    client = client_for(admin_a)

    first = client.get(reverse("accounts:team"), HTTP_ACCEPT_LANGUAGE="en")
    second = client.get(reverse("accounts:team"), {"page": 2}, HTTP_ACCEPT_LANGUAGE="en")

    assert first.status_code == 200 and len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 32 - 25
    listed = {member.email for member in first.context["page"].object_list} | {member.email for member in second.context["page"].object_list}
    assert admin_b.email not in listed and len(listed) == 32
    assert "Invitation pending" in second.content.decode(), "Pending Person sorts onto page 2"


def test_team_search_by_name_or_email(admin_a, recruiter_a, viewer_a):
    client = client_for(admin_a)

    by_name = client.get(reverse("accounts:team"), {"q": "rita"}).context["page"].object_list
    by_email = client.get(reverse("accounts:team"), {"q": "victor@"}).context["page"].object_list
    nobody = client.get(reverse("accounts:team"), {"q": "zzz"})

    assert [m.email for m in by_name] == [recruiter_a.email]
    assert [m.email for m in by_email] == [viewer_a.email]
    assert list(nobody.context["page"].object_list) == []


def test_admin_changes_a_role(admin_a, recruiter_a):
    response = client_for(admin_a).post(reverse("accounts:change_role", args=[recruiter_a.pk]), {"role": "viewer"})

    assert response.status_code == 302
    recruiter_a.refresh_from_db()
    assert recruiter_a.role == Role.VIEWER
    assert "user.role_changed" in audit_actions(admin_a.tenant_id)


def test_admin_removes_a_member_after_confirmation(admin_a, recruiter_a):
    client = client_for(admin_a)
    url = reverse("accounts:remove_member", args=[recruiter_a.pk])

    assert client.get(url).status_code == 200
    assert selectors.user_by_email(recruiter_a.email) is not None
    response = client.post(url)

    assert response.status_code == 302
    assert selectors.user_by_email(recruiter_a.email) is None


def test_last_admin_cannot_demote_themselves(admin_a):
    client = client_for(admin_a)

    response = client.post(reverse("accounts:change_role", args=[admin_a.pk]), {"role": "recruiter"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    admin_a.refresh_from_db()
    assert admin_a.role == Role.ADMIN
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert "A company needs at least one admin" in response.content.decode()


def test_last_admin_cannot_remove_themselves(admin_a):
    response = client_for(admin_a).post(reverse("accounts:remove_member", args=[admin_a.pk]), follow=True)

    assert selectors.user_by_email(admin_a.email) is not None
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


ADMIN_ONLY_ROUTES = [
    ("get", "accounts:team", False),
    ("get", "accounts:invite", False),
    ("post", "accounts:invite", False),
    ("get", "accounts:audit_log", False),
    ("post", "accounts:change_role", True),
    ("get", "accounts:remove_member", True),
    ("post", "accounts:remove_member", True),
    ("post", "accounts:resend_invitation", True),
]


@pytest.mark.parametrize("who", ["recruiter_a", "viewer_a"])
@pytest.mark.parametrize(("method", "name", "takes_member"), ADMIN_ONLY_ROUTES)
def test_only_admins_manage_the_team(request, who, method, name, takes_member, member_a, mailoutbox):
    user = request.getfixturevalue(who)
    url = reverse(name, args=[member_a.pk] if takes_member else [])

    response = getattr(client_for(user), method)(url, {"role": "admin", "email": "x@acme.test", "full_name": "X"})

    assert response.status_code == 403
    member_a.refresh_from_db()
    assert member_a.role == Role.RECRUITER
    assert selectors.user_by_email("x@acme.test") is None and mailoutbox == []


@pytest.mark.parametrize(("method", "name"), [
    ("post", "accounts:change_role"),
    ("get", "accounts:remove_member"),
    ("post", "accounts:remove_member"),
    ("post", "accounts:resend_invitation"),
])
def test_another_companys_member_is_not_found(admin_b, member_a, method, name, mailoutbox):
    response = getattr(client_for(admin_b), method)(reverse(name, args=[member_a.pk]), {"role": "viewer"})

    assert response.status_code == 404
    member_a.refresh_from_db()
    assert member_a.role == Role.RECRUITER and mailoutbox == []


# --- Audit log ---

def test_audit_log_lists_and_filters_entries(admin_a, recruiter_a):
    client = client_for(admin_a)
    client.post(reverse("accounts:change_role", args=[recruiter_a.pk]), {"role": "viewer"})
    services.update_profile(user=admin_a, full_name="Alice A.")

    everything = client.get(reverse("accounts:audit_log"))
    only_roles = client.get(reverse("accounts:audit_log"), {"action": "user.role_changed"})

    assert everything.status_code == 200
    assert {row["entry"].action for row in everything.context["rows"]} >= {"user.role_changed", "user.profile_updated"}
    assert [row["entry"].action for row in only_roles.context["rows"]] == ["user.role_changed"]
    assert only_roles.context["rows"][0]["actor"] == "Alice A."


def test_audit_log_shows_only_this_company(admin_a, admin_b):
    services.update_profile(user=admin_b, full_name="Bob B.")

    rows = client_for(admin_a).get(reverse("accounts:audit_log")).context["rows"]

    assert all(str(row["entry"].tenant_id) == str(admin_a.tenant_id) for row in rows)


# --- Who reaches the dashboard ---

DASHBOARD_PAGES = ["home", "accounts:profile", "accounts:password_change", "accounts:team", "accounts:invite", "accounts:audit_log"]


@pytest.mark.parametrize("name", DASHBOARD_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])  # staff rows: privileged only
@pytest.mark.parametrize("name", DASHBOARD_PAGES)
def test_platform_staff_are_sent_to_the_admin(staff_user, name):
    response = client_for(staff_user).get(reverse(name))

    assert response.status_code == 302 and response.url == reverse("admin:index")


def test_everyone_manages_their_own_profile_and_password(viewer_a):
    client = client_for(viewer_a)

    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.get(reverse("accounts:password_change")).status_code == 200
    assert client.post(reverse("accounts:profile"), {"full_name": "Vic", "email": viewer_a.email, "language": "fr"}).status_code == 302


def test_navigation_shows_team_and_audit_to_admins_only(admin_a, recruiter_a):
    admin_page = client_for(admin_a).get(reverse("home")).content.decode()
    recruiter_page = client_for(recruiter_a).get(reverse("home")).content.decode()

    assert reverse("accounts:team") in admin_page and reverse("accounts:audit_log") in admin_page
    assert reverse("accounts:team") not in recruiter_page and reverse("accounts:audit_log") not in recruiter_page


def test_offline_badges_show_when_no_provider_is_configured(admin_a, settings):
    settings.ANTHROPIC_API_KEY = ""
    settings.TWILIO_ACCOUNT_SID = ""
    page = client_for(admin_a).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Offline AI" in page and "Offline telephony" in page

    settings.ANTHROPIC_API_KEY = "sk-test"
    settings.TWILIO_ACCOUNT_SID = "AC123"
    page = client_for(admin_a).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Offline AI" not in page and "Offline telephony" not in page


def test_signed_in_visitor_is_asked_to_sign_out_before_accepting_an_invitation(admin_a, admin_b, mailoutbox):
    invite(admin_a)
    path = link_in(mailoutbox[0])

    client = client_for(admin_b)
    response = client.get(path)

    assert response.status_code == 200
    assert "accounts/signed_in.html" in [t.name for t in response.templates]
    signed_out = client.post(reverse("accounts:logout"), {"next": path})
    assert signed_out.url == path
    assert "accounts/accept_invitation.html" in [t.name for t in client.get(path, follow=True).templates]


# --- Page rules: strict CSP, no inline script or style ---

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def assert_clean_page(response):
    assert "Content-Security-Policy" in response.headers
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert 'style="' not in html and "<style" not in html
    assert not INLINE_HANDLER.search(html)


def test_every_page_is_free_of_inline_script_and_style(admin_a, member_a, viewer_a, mailoutbox):
    admin = client_for(admin_a)
    invited = invite(admin_a)
    invitation_path = link_in(mailoutbox[0])
    pages = [
        admin.get(reverse("home")),
        admin.get(reverse("accounts:profile")),
        admin.get(reverse("accounts:password_change")),
        admin.post(reverse("accounts:password_change"), {"old_password": "x"}),
        admin.get(reverse("accounts:team")),
        admin.get(reverse("accounts:team"), {"q": "nobody-matches"}),
        admin.get(reverse("accounts:invite")),
        admin.post(reverse("accounts:invite"), {"email": "bad"}),
        admin.get(reverse("accounts:remove_member", args=[member_a.pk])),
        admin.get(reverse("accounts:audit_log")),
        admin.get(reverse("accounts:team"), follow=True),
        admin.get("/no-such-page/"),
        client_for(viewer_a).get(reverse("accounts:team")),
        Client().get(reverse("accounts:login")),
        Client().post(reverse("accounts:login"), {"username": "x@y.test", "password": "nope"}),
        Client().get(reverse("accounts:signup")),
        Client().post(reverse("accounts:signup"), {"email": "bad"}),
        Client().get(reverse("accounts:password_reset")),
        Client().get(reverse("accounts:password_reset_done")),
        Client().get(reverse("accounts:password_reset_confirm", args=["MQ", "bad-token"])),
        Client().get(reverse("accounts:password_reset_complete")),
        Client().get(invitation_path, follow=True),
        Client().get(reverse("accounts:accept_invitation", args=["bad"])),
        admin.get(invitation_path),
    ]
    for response in pages:
        assert response.status_code in (200, 403, 404), response
        assert_clean_page(response)
    assert invited.pk


def test_server_error_page_renders_without_a_request_context(rf):
    from aihm.views import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "500" in html and not INLINE_SCRIPT.search(html) and 'style="' not in html


def test_members_of_a_suspended_company_are_signed_out(admin_a, tenant_a):
    Tenant.objects.filter(pk=tenant_a.pk).update(is_active=False)
    client = client_for(admin_a)

    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url_name, data", [
    ("accounts:signup", {"company_name": "", "full_name": "", "email": "x", "password": "x", "password_confirmation": "x"}),
    ("accounts:password_reset", {"email": "someone@example.test"}),
])
def test_sign_up_and_password_reset_are_rate_limited_per_address(client, settings, mailoutbox, url_name, data):
    settings.AUTH_PAGE_RATE = "3/min"
    statuses = [client.post(reverse(url_name), data).status_code for _ in range(4)]
    assert 429 not in statuses[:3] and statuses[3] == 429
