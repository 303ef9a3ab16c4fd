"""Recruiting routes of /api/v1/ (included by aihm.api_urls without a prefix). Each pattern is
matched whole, so `candidates/<id>` leaves `candidates/<id>/grant-consent` to the consent app."""

from django.urls import path

from recruiting import api

urlpatterns = [
    path("positions", api.PositionListView.as_view(), name="api-positions"),
    path("positions/<uuid:pk>", api.PositionDetailView.as_view(), name="api-position"),
    path("positions/<uuid:pk>/questions", api.QuestionListView.as_view(), name="api-position-questions"),
    path("positions/<uuid:pk>/questions/reorder", api.QuestionReorderView.as_view(), name="api-position-questions-reorder"),
    path("positions/<uuid:pk>/questions/draft", api.QuestionDraftView.as_view(), name="api-position-questions-draft"),
    path("positions/<uuid:pk>/script/freeze", api.ScriptFreezeView.as_view(), name="api-position-script-freeze"),
    path("positions/<uuid:pk>/script/versions", api.ScriptVersionListView.as_view(), name="api-position-script-versions"),
    path("positions/<uuid:pk>/candidates", api.PositionCandidatesView.as_view(), name="api-position-candidates"),
    path("positions/<uuid:pk>/candidates/export", api.CandidateExportView.as_view(), name="api-position-candidates-export"),
    path("positions/<uuid:pk>/candidates/import", api.CandidateImportView.as_view(), name="api-position-candidates-import"),
    path("questions/<uuid:pk>", api.QuestionDetailView.as_view(), name="api-question"),
    path("candidates", api.CandidateListView.as_view(), name="api-candidates"),
    path("candidates/<uuid:pk>", api.CandidateDetailView.as_view(), name="api-candidate"),
    path("candidates/<uuid:pk>/cv", api.CandidateCVView.as_view(), name="api-candidate-cv"),
    path("candidates/<uuid:pk>/score", api.CandidateScoreView.as_view(), name="api-candidate-score"),
    path("candidates/<uuid:pk>/decision", api.CandidateDecisionView.as_view(), name="api-candidate-decision"),
]
