from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    # Dashboard (signed-in members); listed first so no token route can shadow them.
    path("candidates/<uuid:pk>/request/", views.send_request, name="send_request"),
    path("candidates/<uuid:pk>/record/", views.record_consent, name="record"),
    path("candidates/<uuid:pk>/withdraw/", views.withdraw_for_candidate, name="withdraw_for_candidate"),
    path("candidates/<uuid:pk>/export/", views.export_candidate, name="export"),
    path("positions/<uuid:pk>/", views.position_overview, name="position_overview"),
    path("settings/retention/", views.retention_settings, name="retention"),
    path("settings/calling-hours/", views.calling_hours_settings, name="calling_hours"),
    # Public pages for candidates (no login): any token string reaches the view, which answers
    # an unusable one with the same page.
    path("<str:token>/", views.consent_page, name="page"),
    path("<str:token>/accept/", views.accept, name="accept"),
    path("<str:token>/decline/", views.decline, name="decline"),
    path("<str:token>/times/", views.preferred_times, name="times"),
    path("<str:token>/withdraw/", views.withdraw, name="withdraw"),
]
