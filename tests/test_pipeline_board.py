"""The pipeline board of a position: a column per status with its cards, best CV score first; a
card moves through the recruiter's decision (a rejection needs its reason), back to the board;
viewers see it without the forms; another company's position is a 404. Dragging a card
(static/js/board.js, driven in Chromium by tests/browser/test_journey.py) posts the same form, with
the column to come back to as the `next` fragment."""

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse

from aihm.tenancy import tenant_context
from recruiting.models import Candidate, CandidateDecision, PipelineStatus
from recruiting.selectors import BOARD_CARDS_PER_COLUMN
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a, title="Comptable")
        factories.CandidateFactory(position=position, full_name="Amal Bennani", cv_score=60, status=PipelineStatus.REPORT_READY)
        factories.CandidateFactory(position=position, full_name="Omar Tazi", cv_score=90, status=PipelineStatus.REPORT_READY)
        factories.CandidateFactory(position=position, full_name="Sara Idrissi", status=PipelineStatus.NEW)
        return position


def browser(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def board_url(position):
    return reverse("recruiting:position_board", args=[position.pk])


def columns_of(response):
    return {column["status"]: [card.full_name for card in column["cards"]] for column in response.context["columns"]}


def test_each_status_is_a_column_with_its_cards_best_cv_first(recruiter_a, position):
    response = browser(recruiter_a).get(board_url(position))

    assert response.status_code == 200
    columns = columns_of(response)
    assert list(columns) == list(PipelineStatus.values)
    assert columns[PipelineStatus.REPORT_READY] == ["Omar Tazi", "Amal Bennani"] and columns[PipelineStatus.NEW] == ["Sara Idrissi"]
    body = response.content.decode()
    assert body.count('class="board-move"') == 3 and "No candidate at this step." in body


def test_moving_a_card_records_the_decision_and_comes_back_to_the_board(recruiter_a, position, tenant_a):
    with tenant_context(tenant_a.pk):
        omar = Candidate.objects.get(full_name="Omar Tazi")
    response = browser(recruiter_a).post(reverse("recruiting:candidate_decide", args=[omar.pk]), {
        "decision": "shortlisted", "comment": "", "reason_to_reject": "true", "next": board_url(position)}, follow=True)

    assert response.redirect_chain[-1][0] == board_url(position)
    assert columns_of(response)[PipelineStatus.SHORTLISTED] == ["Omar Tazi"]
    assert "Decision recorded: Shortlisted." in response.content.decode()


def test_the_columns_name_their_status_for_dragging_and_a_move_comes_back_to_its_column(recruiter_a, position, tenant_a):
    body = browser(recruiter_a).get(board_url(position)).content.decode()
    assert 'js/board.js' in body and 'data-board data-rejected="rejected"' in body
    assert all(f'data-status="{status}"' in body for status in PipelineStatus.values)
    with tenant_context(tenant_a.pk):
        omar = Candidate.objects.get(full_name="Omar Tazi")
    back = board_url(position) + "#column-hired"
    response = browser(recruiter_a).post(reverse("recruiting:candidate_decide", args=[omar.pk]), {
        "decision": "hired", "comment": "", "reason_to_reject": "true", "next": back})
    assert response.status_code == 302 and response["Location"] == back


def test_a_rejection_from_the_board_needs_its_reason(recruiter_a, position, tenant_a):
    with tenant_context(tenant_a.pk):
        amal = Candidate.objects.get(full_name="Amal Bennani")
    client = browser(recruiter_a)
    url = reverse("recruiting:candidate_decide", args=[amal.pk])

    response = client.post(url, {"decision": "rejected", "reason_to_reject": "true", "next": board_url(position)}, follow=True)
    assert "Say why the candidate is rejected" in response.content.decode()
    with tenant_context(tenant_a.pk):
        assert not CandidateDecision.objects.exists()
    client.post(url, {"decision": "rejected", "comment": "No accounting degree.", "reason_to_reject": "true", "next": board_url(position)})
    with tenant_context(tenant_a.pk):
        assert CandidateDecision.objects.get().comment == "No accounting degree."
        assert Candidate.objects.get(pk=amal.pk).status == PipelineStatus.REJECTED


def test_a_viewer_sees_the_board_without_moving_cards_and_another_company_gets_a_404(viewer_a, admin_b, position):
    body = browser(viewer_a).get(board_url(position)).content.decode()
    assert "Omar Tazi" in body and 'class="board-move"' not in body
    assert browser(admin_b).get(board_url(position)).status_code == 404


def test_a_crowded_column_shows_its_first_cards_and_links_to_the_rest(recruiter_a, position, tenant_a):
    with tenant_context(tenant_a.pk):
        factories.CandidateFactory.create_batch(BOARD_CARDS_PER_COLUMN + 5, position=position, status=PipelineStatus.NEW)
    response = browser(recruiter_a).get(board_url(position))
    assert len(columns_of(response)[PipelineStatus.NEW]) == BOARD_CARDS_PER_COLUMN
    assert "and 6 more" in response.content.decode()


def test_the_board_costs_the_same_queries_however_many_cards(recruiter_a, position, tenant_a):
    client = browser(recruiter_a)
    client.get(board_url(position))
    with CaptureQueriesContext(connection) as few:
        client.get(board_url(position))
    with tenant_context(tenant_a.pk):
        factories.CandidateFactory.create_batch(40, position=position, status=PipelineStatus.CONSENT_PENDING)
    with CaptureQueriesContext(connection) as many:
        client.get(board_url(position))
    assert len(few.captured_queries) == len(many.captured_queries)
