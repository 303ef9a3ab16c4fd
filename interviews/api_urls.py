"""Interview routes of /api/v1/ (included by aihm.api_urls, without a prefix)."""

from django.urls import path

from interviews import api

urlpatterns = [
    path("candidates/<uuid:pk>/interviews", api.CandidateInterviewsView.as_view(), name="api-candidate-interviews"),
    path("interviews/<uuid:pk>", api.InterviewView.as_view(), name="api-interview"),
    path("interviews/<uuid:pk>/reschedule", api.RescheduleInterviewView.as_view(), name="api-interview-reschedule"),
    path("interviews/<uuid:pk>/cancel", api.CancelInterviewView.as_view(), name="api-interview-cancel"),
    path("interviews/<uuid:pk>/transcription", api.InterviewTranscriptionView.as_view(), name="api-interview-transcription"),
    path("interviews/<uuid:pk>/analysis", api.InterviewAnalysisView.as_view(), name="api-interview-analysis"),
    path("interviews/<uuid:pk>/retry", api.InterviewRetryView.as_view(), name="api-interview-retry"),
    path("interviews/<uuid:pk>/report", api.InterviewReportView.as_view(), name="api-interview-report"),
    path("interviews/<uuid:pk>/report.pdf", api.InterviewReportPdfView.as_view(), name="api-interview-report-pdf"),
    path("interviews/<uuid:pk>/decision", api.InterviewDecisionView.as_view(), name="api-interview-decision"),
]
