from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("profile/", views.profile, name="profile"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.invite, name="invite"),
    path("team/<uuid:pk>/role/", views.change_role, name="change_role"),
    path("team/<uuid:pk>/remove/", views.remove_member, name="remove_member"),
    path("team/<uuid:pk>/resend/", views.resend_invitation, name="resend_invitation"),
    path("audit/", views.audit_log, name="audit_log"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
