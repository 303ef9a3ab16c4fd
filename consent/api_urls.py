"""Consent routes of /api/v1/ (included by aihm.api_urls, without a prefix)."""

from django.urls import path

from consent import api

urlpatterns = [
    path("candidates/<uuid:pk>/grant-consent", api.GrantConsentView.as_view(), name="api-candidate-grant-consent"),
    path("candidates/<uuid:pk>/consent", api.CandidateConsentView.as_view(), name="api-candidate-consent"),
    path("candidates/<uuid:pk>/withdraw-consent", api.WithdrawConsentView.as_view(), name="api-candidate-withdraw-consent"),
    path("candidates/<uuid:pk>/export", api.CandidateExportView.as_view(), name="api-candidate-export"),
    path("consent/<str:token>", api.PublicConsentView.as_view(), name="api-consent"),
    path("consent/<str:token>/accept", api.AcceptConsentView.as_view(), name="api-consent-accept"),
    path("consent/<str:token>/decline", api.DeclineConsentView.as_view(), name="api-consent-decline"),
    path("consent/<str:token>/withdraw", api.WithdrawOwnConsentView.as_view(), name="api-consent-withdraw"),
]
