"""The report as a PDF: the same facts as the page (candidate, consent, questions with their
transcripts, the recommendation, "The AI advises; you decide."), no link to a recording, French,
English and Arabic (right to left), made once per analysis version and language then served from
storage, to the company's members only, as an audited private download."""

import io
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from interviews import pdf
from interviews.models import AnalysisState, InterviewAnalysis
from recruiting import services as recruiting_services
from tests import factories
from tests.interviews_support import QUESTIONS, finished_interview
from tests.interviews_support import pdf_text as text_of

pytestmark = pytest.mark.django_db(databases=["default", "privileged"])

@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "aihm.storage.LocalMediaStorage", "OPTIONS": {"location": str(tmp_path)}}}


@pytest.fixture
def interview(tenant_a, recruiter_a, settings):
    """A finished interview of three answered questions and its offline analysis (version 1)."""
    settings.ANTHROPIC_API_KEY = ""
    return finished_interview(tenant_a, recruiter_a)


def analysis_of(interview, version=1):
    with tenant_context(interview.tenant_id):
        return InterviewAnalysis.objects.select_related("interview").get(interview=interview, version=version)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def pdf_url(interview, **query):
    url = reverse("interviews:report_pdf", args=[interview.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def links_of(data):
    reader = PdfReader(io.BytesIO(data))
    return [annotation.get_object() for page in reader.pages for annotation in page.get("/Annots") or []]


def test_the_pdf_holds_what_the_report_page_shows(interview, recruiter_a):
    with tenant_context(interview.tenant_id):
        recruiting_services.decide(by=recruiter_a, candidate=interview.candidate, decision="shortlisted", comment="Strong on Django.")

    response = client_for(recruiter_a).get(pdf_url(interview, lang="en"))

    assert response.status_code == 200
    text = text_of(response.content)
    analysis = analysis_of(interview)
    translation.activate("en")  # the request left the dashboard's default language active
    assert "Zineb El Amrani" in text and "Développeur Python" in text
    for question in QUESTIONS:
        assert question in text
    assert "web services in Python with Django" in text and "one month, after my notice period" in text
    assert "The AI advises; you decide." in text
    assert analysis.get_recommendation_display() in text
    assert "offline analysis" in text and "Recording kept in AIHM" in text
    with tenant_context(interview.tenant_id):
        consent = interview.candidate.consent_records.order_by("-created_at", "-pk").first()
    assert consent.get_decision_display() in text and consent.text_hash in text.replace(" ", "")
    assert "Shortlisted" in text and "Strong on Django." in text and "Rita Recruiter" in text
    assert links_of(response.content) == []


def test_the_quotes_are_highlighted_and_no_recording_is_linked(interview):
    analysis = analysis_of(interview)
    with tenant_context(interview.tenant_id), mock.patch("interviews.pdf.HTML") as html:
        html.return_value.write_pdf.return_value = b"%PDF-"
        pdf.render_report_pdf(interview, analysis, "en")
    markup = html.call_args.kwargs["string"]
    assert "<mark>" in markup
    assert "audio" not in markup and "href=" not in markup and "src=" not in markup
    assert '<html lang="en" dir="ltr">' in markup


def test_the_pdf_is_in_french_when_asked(interview, recruiter_a):
    text = text_of(client_for(recruiter_a).get(pdf_url(interview, lang="fr")).content)

    assert "Questions et réponses" in text and "Poste" in text
    assert "L'IA conseille ; vous décidez." in text.replace("’", "'") and "Rapport d'entretien" in text.replace("’", "'")
    assert QUESTIONS[0] in text  # the questions as the candidate heard them


def test_the_arabic_pdf_is_right_to_left(interview, recruiter_a):
    analysis = analysis_of(interview)
    with tenant_context(interview.tenant_id), mock.patch("interviews.pdf.HTML", wraps=pdf.HTML) as html:
        data = pdf.render_report_pdf(interview, analysis, "ar")
    assert '<html lang="ar" dir="rtl">' in html.call_args.kwargs["string"]
    assert data.startswith(b"%PDF-") and "Zineb El Amrani" in text_of(data)

    response = client_for(recruiter_a).get(pdf_url(interview, lang="ar"))
    assert response.status_code == 200 and response["Content-Disposition"] == 'attachment; filename="report-1-ar.pdf"'


def test_the_pdf_is_made_once_per_version_and_language_then_served_from_storage(interview, recruiter_a):
    client = client_for(recruiter_a)
    with mock.patch("interviews.pdf.render_report_pdf", wraps=pdf.render_report_pdf) as render:
        first = client.get(pdf_url(interview, version=1, lang="en"))
        second = client.get(pdf_url(interview, lang="en"))
        assert render.call_count == 1
        client.get(pdf_url(interview, lang="fr"))
        assert render.call_count == 2

    assert first.content == second.content
    analysis = analysis_of(interview)
    key = analysis.pdf_files["en"]
    assert key == f"reports/{interview.tenant_id}/{interview.pk}/v1-en.pdf" and set(analysis.pdf_files) == {"en", "fr"}
    with default_storage.open(key, "rb") as stored:
        assert stored.read() == first.content


def test_a_stored_pdf_that_is_gone_is_made_again(interview):
    analysis = analysis_of(interview)
    with tenant_context(interview.tenant_id):
        key = pdf.stored_pdf(interview, analysis, "en")
        default_storage.delete(key)
        with mock.patch("interviews.pdf.render_report_pdf", return_value=b"%PDF-again") as render:
            again = pdf.stored_pdf(interview, analysis_of(interview), "en")
        assert render.call_count == 1 and default_storage.exists(again)
        assert InterviewAnalysis.objects.get(pk=analysis.pk).pdf_files == {"en": again}


def test_a_concurrent_download_keeps_the_copy_stored_first(interview):
    read_before = analysis_of(interview)
    with tenant_context(interview.tenant_id):
        first = pdf.stored_pdf(interview, analysis_of(interview), "en")
        with mock.patch("interviews.pdf.render_report_pdf", return_value=b"%PDF-late"):
            late = pdf.stored_pdf(interview, read_before, "en")
    assert late == first and read_before.pdf_files == {"en": first}
    assert default_storage.listdir(f"reports/{interview.tenant_id}/{interview.pk}")[1] == ["v1-en.pdf"]


def test_the_download_is_private_audited_and_names_no_candidate(interview, viewer_a):
    response = client_for(viewer_a).get(pdf_url(interview))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report-1-fr.pdf"'  # the viewer's language
    assert response["Cache-Control"] == "private, no-store"
    with tenant_context(interview.tenant_id):
        entry = AuditLog.objects.get(action="interview.report_downloaded")
    assert entry.actor_id == viewer_a.pk and entry.target_id == str(interview.candidate_id)
    assert entry.details["interview"] == str(interview.pk) and entry.details["version"] == 1


def test_the_version_asked_for_must_be_a_done_analysis(interview, recruiter_a):
    client = client_for(recruiter_a)
    with tenant_context(interview.tenant_id):
        InterviewAnalysis.objects.create(interview=interview, version=2, state=AnalysisState.FAILED, error="down")

    assert client.get(pdf_url(interview, version=2)).status_code == 404
    assert client.get(pdf_url(interview, version=7)).status_code == 404
    assert client.get(pdf_url(interview, version="x")).status_code == 404
    latest = client.get(pdf_url(interview, lang="en"))
    assert latest["Content-Disposition"] == 'attachment; filename="report-1-en.pdf"'


def test_no_pdf_before_the_analysis_is_done(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        interview = factories.InterviewFactory(candidate__position__owner=recruiter_a)
        InterviewAnalysis.objects.create(interview=interview, version=1)

    assert client_for(recruiter_a).get(pdf_url(interview)).status_code == 404


def test_another_company_gets_a_404(interview, admin_b):
    assert client_for(admin_b).get(pdf_url(interview)).status_code == 404


def test_an_anonymous_visitor_signs_in_first(interview):
    response = Client().get(pdf_url(interview))

    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_pdf_fetches_nothing():
    with pytest.raises(ValueError):
        pdf._NoNetwork().fetch("https://example.com/tracker.png")
