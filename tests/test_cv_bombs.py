"""Compressed CVs are inflated under a budget: a small upload that unpacks to hundreds of megabytes
is refused with a clear message, and reading it never holds more than a few megabytes."""

import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aihm.errors import Invalid
from aihm.tenancy import tenant_context
from recruiting import cv
from recruiting.models import Candidate
from tests import cv_samples, factories
from tests.conftest import bearer_for

BOMB_MESSAGE = "This file unpacks to far more data than a CV holds"


@pytest.fixture(autouse=True, scope="module")
def _parsers_imported():
    """The parsers are imported lazily; their import is not what the memory checks measure."""
    cv.read_cv_bytes(cv_samples.pdf_bytes())
    cv.read_cv_bytes(cv_samples.docx_bytes())


def refused_with_peak(data):
    """The refusal of reading `data` as a CV, and the peak memory Python allocated meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(Invalid) as refusal:
            cv.read_cv_bytes(data)
        return refusal.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_docx_whose_headers_understate_its_size_is_refused_without_being_inflated():
    bomb = cv_samples.docx_bomb_bytes(inflated_mb=200, declared_size=1000)
    assert len(bomb) < 1024 * 1024

    refusal, peak = refused_with_peak(bomb)

    assert refusal.field == "cv" and BOMB_MESSAGE in refusal.message
    assert peak < 4 * 1024 * 1024


def test_a_docx_that_declares_its_real_size_is_refused_from_the_header_alone():
    refusal, peak = refused_with_peak(cv_samples.docx_bomb_bytes(inflated_mb=200))

    assert refusal.field == "cv" and "too large once unpacked" in refusal.message
    assert peak < 1024 * 1024


def test_a_docx_with_an_absurd_compression_ratio_is_refused_under_the_size_limit():
    bomb = cv_samples.docx_bomb_bytes(inflated_mb=5)  # 5 MB of XML in about 40 KB: no Word file does that

    refusal, peak = refused_with_peak(bomb)

    assert BOMB_MESSAGE in refusal.message and peak < 4 * 1024 * 1024


def test_a_pdf_stream_that_inflates_past_the_per_stream_limit_is_refused():
    bomb = cv_samples.pdf_bomb_bytes(inflated_mb=200)
    assert len(bomb) < 1024 * 1024

    refusal, peak = refused_with_peak(bomb)

    assert refusal.field == "cv" and BOMB_MESSAGE in refusal.message
    # zlib stops at the stream limit (4 MB) and its output buffer doubles once: far from 200 MB.
    assert peak < 3 * cv.MAX_PDF_STREAM_BYTES


def test_pdf_pages_that_together_decode_past_the_budget_are_refused(monkeypatch):
    monkeypatch.setattr(cv, "MAX_PDF_DECODED_BYTES", 2 * 1024 * 1024)
    bomb = cv_samples.pdf_bomb_bytes(inflated_mb=1, pages=3)  # each page under the stream limit

    refusal, _peak = refused_with_peak(bomb)

    assert BOMB_MESSAGE in refusal.message


def test_ordinary_cvs_are_still_read_within_the_limits():
    assert cv.read_cv_bytes(cv_samples.docx_bytes())[0].has_text
    assert cv.read_cv_bytes(cv_samples.pdf_bytes())[0].has_text


@pytest.mark.django_db
def test_the_api_answers_a_docx_bomb_with_a_400_naming_the_cv(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory()
    client = bearer_for(recruiter_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    bomb = SimpleUploadedFile("cv.docx", cv_samples.docx_bomb_bytes(declared_size=1000))

    response = client.post(
        f"/api/v1/positions/{position.pk}/candidates",
        {"full_name": "Sara Bennani", "phone": "+212612345600", "cv": bomb}, format="multipart",
    )

    assert response.status_code == 400 and set(response.json()["errors"]) == {"cv"}
    assert BOMB_MESSAGE in response.json()["message"]
    with tenant_context(tenant_a.pk):
        assert not Candidate.objects.exists()
