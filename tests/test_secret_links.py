"""Invitation and password-reset links: the token leaves the URL on the first visit (kept in the
session, aihm.secret_links; Django's own `set-password` for resets), the page still works from
the token-less URL, and those pages send `Referrer-Policy: strict-origin` (no path in any Referer).
The consent pages have the same tests in test_consent_pages.py."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts import selectors
from aihm import secret_links

pytestmark = pytest.mark.django_db

FRONTEND = "https://app.aihm.test"
NEW_PASSWORD = "Another-Long-Passphrase-42"


@pytest.fixture(autouse=True)
def _frontend_url(settings):
    settings.FRONTEND_URL = FRONTEND


def link_in(message):
    return re.search(re.escape(FRONTEND) + r"(/[^\s\"<]+)", message.body).group(1)


@pytest.fixture
def invitation_path(admin_a, mailoutbox):
    admin = Client()
    admin.force_login(admin_a)
    admin.post(reverse("accounts:invite"), {"email": "new@acme.test", "full_name": "Nina New", "role": "recruiter"})
    return link_in(mailoutbox[-1])


def test_an_invitation_link_redirects_to_a_url_without_its_token(invitation_path):
    token = invitation_path.rstrip("/").rsplit("/", 1)[1]
    visitor = Client()
    opened = visitor.get(invitation_path)
    assert opened.status_code == 302 and token not in opened["Location"]
    assert re.fullmatch(r"/accounts/invitation/[0-9a-f]{12}/", opened["Location"])
    assert opened["Referrer-Policy"] == "strict-origin"
    page = visitor.get(opened["Location"])
    assert page.status_code == 200 and page["Referrer-Policy"] == "strict-origin" and token not in page.content.decode()
    assert Client().get(opened["Location"]).status_code == 404  # the key alone, in another browser, is nothing


def test_the_invitation_is_accepted_from_the_token_less_url(invitation_path):
    visitor = Client()
    url = visitor.get(invitation_path)["Location"]
    response = visitor.post(url, {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    invited = selectors.user_by_email("new@acme.test")
    assert invited.is_active and invited.check_password(NEW_PASSWORD)


def test_an_unknown_invitation_token_is_not_kept_in_the_session():
    visitor = Client()
    response = visitor.get(reverse("accounts:accept_invitation", args=["not-a-token"]))
    assert response.status_code == 404 and response["Referrer-Policy"] == "strict-origin"
    assert secret_links.SESSION_KEY not in visitor.session


def test_a_password_reset_link_redirects_to_set_password_and_works_there(admin_a, mailoutbox):
    visitor = Client()
    visitor.post(reverse("accounts:password_reset"), {"email": "admin@acme.test"})
    path = link_in(mailoutbox[-1])
    token = path.rstrip("/").rsplit("/", 1)[1]
    opened = visitor.get(path)
    assert opened.status_code == 302 and token not in opened["Location"] and opened["Location"].endswith("/set-password/")
    assert opened["Referrer-Policy"] == "strict-origin"
    form = visitor.get(opened["Location"])
    assert form.status_code == 200 and form.context["validlink"] and form["Referrer-Policy"] == "strict-origin"
    done = visitor.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    admin_a.refresh_from_db()
    assert admin_a.check_password(NEW_PASSWORD)


def test_a_browser_holds_several_links_at_once_each_under_its_own_key(rf):
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    first, second = (secret_links.remember(request, "consent", secret) for secret in ("a" * 43, "b" * 43))
    assert first != second and secret_links.remember(request, "consent", "a" * 43) == first
    assert secret_links.recall(request, "consent", first) == "a" * 43
    assert secret_links.recall(request, "invitation", first) == ""
