"""Accounts routes of /api/v1/auth/ (included by aihm.api_urls)."""

from django.urls import path

from accounts import api

urlpatterns = [
    path("register", api.RegisterView.as_view(), name="api-auth-register"),
    path("login", api.LoginView.as_view(), name="api-auth-login"),
    path("refresh", api.RefreshView.as_view(), name="api-auth-refresh"),
    path("logout", api.LogoutView.as_view(), name="api-auth-logout"),
    path("me", api.MeView.as_view(), name="api-auth-me"),
    path("change-password", api.ChangePasswordView.as_view(), name="api-auth-change-password"),
    path("users", api.UsersView.as_view(), name="api-auth-users"),
    path("users/<uuid:pk>", api.MemberView.as_view(), name="api-auth-user"),
    path("audit-logs", api.AuditLogView.as_view(), name="api-auth-audit-logs"),
]
