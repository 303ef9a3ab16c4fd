"""CSV export for Excel: a semicolon for French users (what their Excel splits on), a comma on
request, column names and statuses in the user's language; BOM, formula neutralisation, streaming
and the audit line stay."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from recruiting.models import PipelineStatus, ScoringStatus
from tests import factories
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(tenant_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(title="Python developer")
        factories.CandidateFactory(position=position, full_name="=HYPERLINK(\"http://evil\")", email="a@example.test",
                                   status=PipelineStatus.CV_SCORED, scoring_status=ScoringStatus.SCORED, cv_score=72)
        factories.CandidateFactory(position=position, full_name="Lina Haddad", email="lina@example.test",
                                   status=PipelineStatus.NEW, scoring_status=ScoringStatus.NO_CV)
        return position


@pytest.fixture
def french_recruiter(tenant_a):
    return factories.UserFactory(tenant=tenant_a, role="recruiter", language="fr", email="fr@acme.test")


@pytest.fixture
def english_recruiter(tenant_a):
    return factories.UserFactory(tenant=tenant_a, role="recruiter", language="en", email="en@acme.test")


def page(user, **query):
    client = Client(HTTP_ACCEPT_LANGUAGE=user.language)
    client.force_login(user)
    return client.get(reverse("recruiting:position_export", args=[query.pop("position").pk]), query)


def api(user, position, **query):
    client = bearer_for(user)
    return client.get(f"/api/v1/positions/{position.pk}/candidates/export", query, HTTP_ACCEPT="text/csv")


def read(response, delimiter):
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=delimiter))


def test_a_french_user_gets_semicolons_french_column_names_and_status_labels(french_recruiter, position):
    rows = read(api(french_recruiter, position), ";")

    assert rows[0] == ["Nom complet", "E-mail", "Téléphone", "Fuseau horaire", "Statut", "Score du CV", "Évaluation du CV", "Source", "Créé le"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["'=HYPERLINK(\"http://evil\")"][4:7] == ["CV évalué", "72", "Évalué"]
    assert by_name["Lina Haddad"][4] == "Nouveau" and by_name["Lina Haddad"][6] == "Pas de CV"
    assert "cv_scored" not in str(rows) and "no_cv" not in str(rows)


def test_an_english_user_gets_commas_and_english_labels(english_recruiter, position):
    rows = read(api(english_recruiter, position), ",")

    assert rows[0][:3] == ["Full name", "Email", "Phone"]
    assert {row[4] for row in rows[1:]} == {"CV scored", "New"}


def test_the_api_takes_the_delimiter_asked_for(french_recruiter, position):
    rows = read(api(french_recruiter, position, delimiter="comma"), ",")

    assert rows[0][0] == "Nom complet" and len(rows[0]) == 9


def test_an_unknown_delimiter_is_a_400_naming_it(french_recruiter, position):
    response = api(french_recruiter, position, delimiter="pipe")

    assert response.status_code == 400 and set(response.json()["errors"]) == {"delimiter"}


def test_the_page_offers_the_choice_with_the_users_usual_separator_preselected(french_recruiter, english_recruiter, position):
    french = page(french_recruiter, position=position)
    english = page(english_recruiter, position=position)

    assert french.status_code == 200 and french.context["form"]["delimiter"].value() == "semicolon"
    assert english.context["form"]["delimiter"].value() == "comma"
    assert 'value="semicolon"' in french.content.decode() and 'value="comma"' in french.content.decode()
    with tenant_context(position.tenant_id):
        assert not AuditLog.objects.filter(action="candidates.exported").exists()


def test_the_page_downloads_with_the_chosen_separator_and_audits_it(english_recruiter, position):
    response = page(english_recruiter, position=position, delimiter="semicolon")

    rows = read(response, ";")
    assert rows[0][0] == "Full name" and len(rows) == 3
    assert response["Content-Disposition"] == 'attachment; filename="python-developer-candidates.csv"'
    with tenant_context(position.tenant_id):
        entry = AuditLog.objects.get(action="candidates.exported")
    assert entry.target_id == str(position.pk) and entry.details == {"delimiter": "semicolon"}
