"""One table of every tenant-owned route, pages and API: another company's user gets a 404 on
each, a viewer gets a 403 on each write. A new route is covered by adding one line; a guard test
fails when a route with an object id is missing from the table."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aihm.tenancy import tenant_context
from tests import cv_samples, factories
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db

PAGE, API = "page", "api"

# (kind, url name, method, object the id belongs to (None: no id), is a write)
ROUTES = [
    # accounts
    (PAGE, "accounts:change_role", "post", "member", True),
    (PAGE, "accounts:remove_member", "get", "member", True),
    (PAGE, "accounts:remove_member", "post", "member", True),
    (PAGE, "accounts:resend_invitation", "post", "invited", True),
    (PAGE, "accounts:invite", "post", None, True),
    (PAGE, "accounts:team", "get", None, True),
    (PAGE, "accounts:audit_log", "get", None, True),
    # consent
    (PAGE, "consent:send_request", "post", "candidate", True),
    (PAGE, "consent:record", "post", "candidate", True),
    (PAGE, "consent:withdraw_for_candidate", "post", "candidate", True),
    (PAGE, "consent:export", "get", "candidate", True),
    (PAGE, "consent:position_overview", "get", "position", False),
    (PAGE, "consent:retention", "post", None, True),
    (PAGE, "consent:calling_hours", "get", None, True),
    (PAGE, "consent:calling_hours", "post", None, True),
    (API, "api-candidate-grant-consent", "post", "candidate", True),
    (API, "api-candidate-consent", "get", "candidate", False),
    (API, "api-candidate-withdraw-consent", "post", "candidate", True),
    (API, "api-candidate-export", "get", "candidate", True),
    # accounts API
    (API, "api-auth-user", "get", "member", False),
    (API, "api-auth-user", "patch", "member", True),
    (API, "api-auth-user", "delete", "member", True),
    (API, "api-auth-users", "post", None, True),
    (API, "api-auth-audit-logs", "get", None, True),
    # recruiting pages
    (PAGE, "recruiting:position_create", "get", None, True),
    (PAGE, "recruiting:position_create", "post", None, True),
    (PAGE, "recruiting:position_import", "get", "position", True),
    (PAGE, "recruiting:question_edit", "get", "question", True),
    (PAGE, "recruiting:candidate_edit", "get", "candidate", True),
    (PAGE, "recruiting:candidate_cv_replace", "get", "candidate", True),
    (PAGE, "recruiting:position_detail", "get", "position", False),
    (PAGE, "recruiting:position_edit", "get", "position", True),
    (PAGE, "recruiting:position_edit", "post", "position", True),
    (PAGE, "recruiting:position_delete", "get", "position", True),
    (PAGE, "recruiting:position_delete", "post", "position", True),
    (PAGE, "recruiting:position_status", "post", "position", True),
    (PAGE, "recruiting:script", "get", "position", False),
    (PAGE, "recruiting:question_add", "post", "position", True),
    (PAGE, "recruiting:script_draft", "post", "position", True),
    (PAGE, "recruiting:script_freeze", "post", "position", True),
    (PAGE, "recruiting:position_candidates", "get", "position", False),
    (PAGE, "recruiting:candidate_add", "get", "position", True),
    (PAGE, "recruiting:candidate_add", "post", "position", True),
    (PAGE, "recruiting:position_import", "post", "position", True),
    (PAGE, "recruiting:position_export", "get", "position", True),
    (PAGE, "recruiting:question_edit", "post", "question", True),
    (PAGE, "recruiting:question_delete", "post", "question", True),
    (PAGE, "recruiting:question_move", "post", "question", True),
    (PAGE, "recruiting:candidate_detail", "get", "candidate", False),
    (PAGE, "recruiting:candidate_edit", "post", "candidate", True),
    (PAGE, "recruiting:candidate_delete", "get", "candidate", True),
    (PAGE, "recruiting:candidate_delete", "post", "candidate", True),
    (PAGE, "recruiting:candidate_cv", "get", "candidate", False),
    (PAGE, "recruiting:candidate_cv_replace", "post", "candidate", True),
    (PAGE, "recruiting:candidate_scoring", "get", "candidate", False),
    (PAGE, "recruiting:candidate_rescore", "post", "candidate", True),
    (PAGE, "recruiting:candidate_decide", "post", "candidate", True),
    # recruiting API
    (API, "api-positions", "post", None, True),
    (API, "api-position", "get", "position", False),
    (API, "api-position", "put", "position", True),
    (API, "api-position", "patch", "position", True),
    (API, "api-position", "delete", "position", True),
    (API, "api-position-questions", "get", "position", False),
    (API, "api-position-questions", "post", "position", True),
    (API, "api-position-questions-reorder", "post", "position", True),
    (API, "api-position-questions-draft", "post", "position", True),
    (API, "api-position-script-freeze", "post", "position", True),
    (API, "api-position-script-versions", "get", "position", False),
    (API, "api-position-candidates", "get", "position", False),
    (API, "api-position-candidates", "post", "position", True),
    (API, "api-position-candidates-export", "get", "position", True),
    (API, "api-position-candidates-import", "post", "position", True),
    (API, "api-question", "get", "question", False),
    (API, "api-question", "patch", "question", True),
    (API, "api-question", "delete", "question", True),
    (API, "api-candidate", "get", "candidate", False),
    (API, "api-candidate", "patch", "candidate", True),
    (API, "api-candidate", "delete", "candidate", True),
    (API, "api-candidate-cv", "get", "candidate", False),
    (API, "api-candidate-cv", "put", "candidate", True),
    (API, "api-candidate-score", "post", "candidate", True),
    (API, "api-candidate-decision", "post", "candidate", True),
    # interviews
    (PAGE, "interviews:schedule", "post", "candidate", True),
    (PAGE, "interviews:detail", "get", "interview", False),
    (PAGE, "interviews:reschedule", "post", "interview", True),
    (PAGE, "interviews:cancel", "post", "interview", True),
    (PAGE, "interviews:simulate_call_back", "post", "interview", True),
    (API, "api-candidate-interviews", "get", "candidate", False),
    (API, "api-candidate-interviews", "post", "candidate", True),
    (API, "api-interview", "get", "interview", False),
    (API, "api-interview-reschedule", "post", "interview", True),
    (API, "api-interview-cancel", "post", "interview", True),
    (API, "api-interview-transcription", "get", "interview", False),
    (API, "api-interview-analysis", "get", "interview", False),
    (API, "api-interview-analysis", "post", "interview", True),
    (API, "api-interview-retry", "post", "interview", True),
    (API, "api-interview-report", "get", "interview", False),
    (API, "api-interview-report-pdf", "get", "interview", False),
    (API, "api-interview-decision", "post", "interview", True),
    (PAGE, "interviews:report", "get", "interview", False),
    (PAGE, "interviews:report_pdf", "get", "interview", False),
    (PAGE, "interviews:pipeline_status", "get", "interview", False),
    (PAGE, "interviews:pipeline_retry", "post", "interview", True),
    (PAGE, "interviews:reanalyse", "post", "interview", True),
    (PAGE, "interviews:answer_audio", "get", "answer", False),
    (PAGE, "interviews:call_policy", "get", None, True),
    (PAGE, "interviews:call_policy", "post", None, True),
    (PAGE, "recruiting:candidates_bulk", "post", None, True),
    (PAGE, "recruiting:position_board", "get", "position", False),
    # the inbox: each user's own (tests/test_notifications.py: another user of the company gets a 404 too)
    (PAGE, "recruiting:notifications", "get", None, False),
    (PAGE, "recruiting:notification_open", "post", "notification", False),
    # analytics API: company-wide reads (tests/test_analytics_api.py proves company B's data is never counted)
    (API, "api-analytics-overview", "get", None, False),
    (API, "api-analytics-pipeline", "get", None, False),
    (API, "api-analytics-positions-stats", "get", None, False),
]

# Routes whose id is not a tenant object (public links carry their own secret).
NOT_TENANT_OBJECT_ROUTES = {
    "accounts:accept_invitation", "accounts:password_reset_confirm",
    "consent:page", "consent:accept", "consent:decline", "consent:times", "consent:withdraw",
    "api-consent", "api-consent-accept", "api-consent-decline", "api-consent-withdraw",
    # Twilio's webhooks: signed requests naming an attempt by its unguessable id (tests/test_interview_webhooks.py).
    "interviews:webhook_voice", "interviews:webhook_confirm", "interviews:webhook_callback", "interviews:webhook_answer",
    "interviews:webhook_recording", "interviews:webhook_call_status", "interviews:webhook_language",
    # A message's status callback, naming it by its unguessable id (tests/test_heads_up.py).
    "interviews:webhook_message_status",
}


@pytest.fixture
def world(tenant_a, admin_a, recruiter_a, viewer_a, admin_b):
    """Tenant A's objects, one of each kind, that tenant B must never reach."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from recruiting import inbox, services

    invited = factories.UserFactory(tenant=tenant_a, role="recruiter", is_active=False, email="new@acme.test")
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory()
        question = factories.QuestionFactory(position=position)
        candidate = services.add_candidate(
            by=recruiter_a, position=position, full_name="Amal Tenant-A", phone="0612345678",
            cv=SimpleUploadedFile("cv.pdf", cv_samples.pdf_bytes()),
        )
        interview = factories.InterviewFactory(candidate=candidate)
        answer = factories.AnswerFactory(interview=interview)
        notification = inbox.notify(user=recruiter_a, kind="report_ready", candidate=candidate, link="/candidates/")
    return {"member": recruiter_a, "invited": invited, "position": position, "question": question, "candidate": candidate,
            "interview": interview, "answer": answer, "notification": notification}


def url_for(name, obj):
    return reverse(name, kwargs={"pk": obj.pk}) if obj is not None else reverse(name)


def call(user, kind, method, url):
    if kind == API:
        client = bearer_for(user)
        return getattr(client, method)(url, {}, format="json") if method != "get" else client.get(url)
    from django.test import Client

    client = Client()
    client.force_login(user)
    return getattr(client, method)(url)


@pytest.mark.parametrize("kind, name, method, obj_key, write", [r for r in ROUTES if r[3]], ids=lambda v: str(v))
def test_another_company_gets_404_on_every_object_route(world, admin_b, kind, name, method, obj_key, write):
    response = call(admin_b, kind, method, url_for(name, world[obj_key]))
    assert response.status_code == 404, (name, method, response.status_code)


@pytest.mark.parametrize("kind, name, method, obj_key, write", [r for r in ROUTES if r[4]], ids=lambda v: str(v))
def test_a_viewer_gets_403_on_every_write(world, viewer_a, kind, name, method, obj_key, write):
    obj = world[obj_key] if obj_key else None
    response = call(viewer_a, kind, method, url_for(name, obj))
    assert response.status_code == 403, (name, method, response.status_code)


@pytest.mark.parametrize("kind, name, method, obj_key, write", [r for r in ROUTES if not r[3] and not r[4]], ids=lambda v: str(v))
def test_every_member_reads_the_company_wide_reads(world, admin_a, recruiter_a, viewer_a, kind, name, method, obj_key, write):
    for user in (admin_a, recruiter_a, viewer_a):
        response = call(user, kind, method, url_for(name, None))
        assert response.status_code == 200, (name, user.role, response.status_code)


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def test_every_route_with_an_object_id_is_in_the_matrix():
    listed = {name for _, name, _, _, _ in ROUTES}
    with_ids = {name for name, route in _patterns() if "<" in route and not name.startswith("admin:")}
    missing = sorted(with_ids - listed - NOT_TENANT_OBJECT_ROUTES)
    assert not missing, f"add these routes to ROUTES: {missing}"
