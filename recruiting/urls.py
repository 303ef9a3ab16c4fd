from django.urls import path

from recruiting import views

app_name = "recruiting"

urlpatterns = [
    path("positions/", views.position_list, name="position_list"),
    path("positions/new/", views.position_create, name="position_create"),
    path("positions/<uuid:pk>/", views.position_detail, name="position_detail"),
    path("positions/<uuid:pk>/edit/", views.position_edit, name="position_edit"),
    path("positions/<uuid:pk>/delete/", views.position_delete, name="position_delete"),
    path("positions/<uuid:pk>/status/", views.position_status, name="position_status"),
    path("positions/<uuid:pk>/script/", views.script, name="script"),
    path("positions/<uuid:pk>/script/questions/", views.question_add, name="question_add"),
    path("positions/<uuid:pk>/script/draft/", views.script_draft, name="script_draft"),
    path("positions/<uuid:pk>/script/freeze/", views.script_freeze, name="script_freeze"),
    path("positions/<uuid:pk>/candidates/", views.position_candidates, name="position_candidates"),
    path("positions/<uuid:pk>/board/", views.position_board, name="position_board"),
    path("positions/<uuid:pk>/candidates/new/", views.candidate_add, name="candidate_add"),
    path("positions/<uuid:pk>/candidates/import/", views.position_import, name="position_import"),
    path("positions/<uuid:pk>/candidates/export/", views.position_export, name="position_export"),
    path("questions/<uuid:pk>/edit/", views.question_edit, name="question_edit"),
    path("questions/<uuid:pk>/delete/", views.question_delete, name="question_delete"),
    path("questions/<uuid:pk>/move/", views.question_move, name="question_move"),
    path("candidates/", views.candidate_list, name="candidate_list"),
    path("candidates/bulk/", views.candidates_bulk, name="candidates_bulk"),
    path("candidates/<uuid:pk>/", views.candidate_detail, name="candidate_detail"),
    path("candidates/<uuid:pk>/edit/", views.candidate_edit, name="candidate_edit"),
    path("candidates/<uuid:pk>/delete/", views.candidate_delete, name="candidate_delete"),
    path("candidates/<uuid:pk>/cv/", views.candidate_cv, name="candidate_cv"),
    path("candidates/<uuid:pk>/cv/replace/", views.candidate_cv_replace, name="candidate_cv_replace"),
    path("candidates/<uuid:pk>/scoring/", views.candidate_scoring, name="candidate_scoring"),
    path("candidates/<uuid:pk>/scoring/again/", views.candidate_rescore, name="candidate_rescore"),
    path("candidates/<uuid:pk>/decision/", views.candidate_decide, name="candidate_decide"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<uuid:pk>/open/", views.notification_open, name="notification_open"),
]
