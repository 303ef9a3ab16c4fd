"""Interview routes of /api/v1/ (included by aihm.api_urls, without a prefix)."""

from django.urls import path

from interviews import api

urlpatterns = [
    path("candidates/<uuid:pk>/interviews", api.CandidateInterviewsView.as_view(), name="api-candidate-interviews"),
    path("interviews/<uuid:pk>", api.InterviewView.as_view(), name="api-interview"),
    path("interviews/<uuid:pk>/reschedule", api.RescheduleInterviewView.as_view(), name="api-interview-reschedule"),
    path("interviews/<uuid:pk>/cancel", api.CancelInterviewView.as_view(), name="api-interview-cancel"),
]
