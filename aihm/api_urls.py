from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("auth/", include("accounts.api_urls")),
    path("", include("consent.api_urls")),  # candidates/{id}/grant-consent|consent|withdraw-consent|export, consent/{token}...
]

if settings.API_DOCS_ENABLED:
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

    urlpatterns += [
        path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
        path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    ]
