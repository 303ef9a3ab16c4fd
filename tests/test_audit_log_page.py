"""The audit log page answers "who did what to whom": every action the product writes has a
translated label, each target is named and linked, looked up when the page is drawn in a fixed
number of queries, and an erased candidate shows as such (the log holds ids only)."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.audit_labels import ACTION_LABELS
from aihm.tenancy import tenant_context
from recruiting import services
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def audit_log(client, **params):
    response = client.get(reverse("accounts:audit_log"), params)
    assert response.status_code == 200
    return response


def written_actions():
    """Every literal action code passed to audit(...) or audit_staff_access(...) in the product."""
    actions = set()
    for path in settings.BASE_DIR.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(Path(path).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("audit", "audit_staff_access"):
                code = node.args[1] if len(node.args) > 1 else None
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    actions.add(code.value)
                elif isinstance(code, ast.JoinedStr):  # f"consent.{decision}"
                    actions.update({"consent.granted", "consent.declined"})
    return actions


def test_every_action_the_product_writes_has_a_label_in_english_and_french():
    missing = written_actions() - set(ACTION_LABELS)
    assert not missing, f"add a label to accounts/audit_labels.py for {sorted(missing)}"
    def labels(language):
        with translation.override(language):
            return {code: str(label) for code, label in ACTION_LABELS.items()}

    english, french = labels("en"), labels("fr")
    assert [code for code in ACTION_LABELS if french[code] == english[code]] == []


def test_the_log_names_the_action_and_links_the_target(admin_a, recruiter_a, tenant_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(title="Comptable")
        candidate = services.add_candidate(by=recruiter_a, position=position, full_name="Amina Benali", phone="+212612345678")
        services.update_position(by=recruiter_a, position=position, title="Comptable senior")

    page = audit_log(client_for(admin_a)).content.decode()

    candidate_url = reverse("recruiting:candidate_detail", args=[candidate.pk])
    position_url = reverse("recruiting:position_detail", args=[position.pk])
    assert re.search(r">Candidate added</span></td>\s*<td><a href=\"" + re.escape(candidate_url) + r"\">Amina Benali</a>", page)
    assert re.search(r">Position updated</span></td>\s*<td><a href=\"" + re.escape(position_url) + r"\">Comptable senior</a>", page)


def test_the_log_speaks_french(admin_a, recruiter_a, tenant_a):
    with tenant_context(tenant_a.pk):
        factories.PositionFactory(title="Comptable")
        services.create_position(by=recruiter_a, title="Juriste", description="Droit social.")

    page = audit_log(client_for(admin_a, "fr")).content.decode()

    assert ">Poste créé</span>" in page and "position.created</span>" not in page


def test_an_erased_candidate_shows_as_erased_without_their_name(admin_a, recruiter_a, tenant_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory()
        candidate = services.add_candidate(by=recruiter_a, position=position, full_name="Youssef Tazi", phone="+212612345679")
        services.erase_candidate(by=recruiter_a, candidate=candidate)

    response = audit_log(client_for(admin_a))
    page = response.content.decode()

    assert "Youssef Tazi" not in page
    targets = {row["entry"].action: row["target"] for row in response.context["rows"]}
    assert targets["candidate.created"].name == "Erased candidate" and not targets["candidate.created"].exists
    assert targets["candidate.erased"].name == "Erased candidate"
    assert '<span class="muted">Erased candidate</span>' in page


def test_the_log_runs_the_same_queries_for_a_few_targets_and_a_full_page(admin_a, recruiter_a, tenant_a):
    client = client_for(admin_a)

    def queries_with(count):
        with tenant_context(tenant_a.pk):
            for number in range(count):
                position = factories.PositionFactory()
                services.add_candidate(by=recruiter_a, position=position, full_name="Sara", phone=f"+2126{count:02d}{number:06d}")
                services.update_position(by=recruiter_a, position=position, title="Autre titre")
        with CaptureQueriesContext(connection) as queries:
            audit_log(client)
        return len(queries)

    assert queries_with(2) == queries_with(20)
