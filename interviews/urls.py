from django.urls import include, path

from interviews import audio, pdf, settings_views, views, webhooks

app_name = "interviews"

urlpatterns = [
    path("candidates/<uuid:pk>/interviews/schedule/", views.schedule, name="schedule"),
    path("interviews/<uuid:pk>/", views.interview_detail, name="detail"),
    path("interviews/<uuid:pk>/report/", views.interview_report, name="report"),
    path("interviews/<uuid:pk>/report.pdf", pdf.report_pdf, name="report_pdf"),
    path("interviews/<uuid:pk>/pipeline/", views.pipeline_status, name="pipeline_status"),
    path("interviews/<uuid:pk>/pipeline/retry/", views.pipeline_retry, name="pipeline_retry"),
    path("interviews/<uuid:pk>/reanalyse/", views.reanalyse, name="reanalyse"),
    path("interviews/<uuid:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("interviews/<uuid:pk>/cancel/", views.cancel, name="cancel"),
    path("interviews/<uuid:pk>/simulate-call-back/", views.simulate_call_back, name="simulate_call_back"),
    path("settings/calls/", settings_views.call_policy_settings, name="call_policy"),
    path("answers/<uuid:pk>/audio", audio.answer_audio, name="answer_audio"),
    path("webhooks/twilio/", include(webhooks.urlpatterns)),
]
