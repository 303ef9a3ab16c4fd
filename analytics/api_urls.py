"""Analytics routes of /api/v1/ (included by aihm.api_urls under `analytics/`)."""

from django.urls import path

from analytics import api

urlpatterns = [
    path("overview", api.OverviewView.as_view(), name="api-analytics-overview"),
    path("pipeline", api.PipelineView.as_view(), name="api-analytics-pipeline"),
    path("positions-stats", api.PositionStatsView.as_view(), name="api-analytics-positions-stats"),
]
