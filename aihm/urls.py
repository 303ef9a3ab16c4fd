from django.contrib import admin
from django.urls import include, path

from aihm import views

urlpatterns = [
    path("health", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("aihm.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("consent/", include("consent.urls")),
    path("", include("interviews.urls")),
    path("", include("recruiting.urls")),
    path("", views.home, name="home"),
]

handler404 = "aihm.views.not_found"
handler500 = "aihm.views.server_error"

