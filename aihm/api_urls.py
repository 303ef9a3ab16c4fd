"""/api/v1/: each app's API routes, and the OpenAPI schema and docs (when enabled)."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from aihm.views import not_found

urlpatterns = [
    path("auth/", include("accounts.api_urls")),
    path("", include("consent.api_urls")),  # candidates/{id}/grant-consent|consent|withdraw-consent|export, consent/{token}...
    path("", include("recruiting.api_urls")),
    path("", include("interviews.api_urls")),  # candidates/{id}/interviews, interviews/{id}...
    path("analytics/", include("analytics.api_urls")),
]


class _DocsOnlyWhenEnabled:
    """The schema and Swagger UI exist only when settings.API_DOCS_ENABLED (DEBUG): otherwise the
    routes answer the API's JSON 404, as any unknown route does. Checked per request, not at import."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.API_DOCS_ENABLED:
            return not_found(request)
        return super().dispatch(request, *args, **kwargs)


class SchemaView(_DocsOnlyWhenEnabled, SpectacularAPIView):
    pass


class DocsView(_DocsOnlyWhenEnabled, SpectacularSwaggerSplitView):
    """Swagger UI, with its start-up script served as a file (script-src 'self' holds); its page
    carries one inline <style>, allowed on this page only."""

    def dispatch(self, request, *args, **kwargs):
        view = super().dispatch
        if settings.API_DOCS_ENABLED:
            view = csp_update({"style-src": [UNSAFE_INLINE]})(view)
        return view(request, *args, **kwargs)


urlpatterns += [
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
]
