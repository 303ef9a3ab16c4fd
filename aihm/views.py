import sys

from django.http import HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.views import member_required
from aihm.errors import outage_for
from aihm.health import run_checks
from analytics import dashboard
from recruiting.views import start_page_context


@never_cache
@require_GET
def health(request):
    """200 when database, broker and storage are up, 503 naming those that are down."""
    results = run_checks()
    down = [name for name, up in results.items() if not up]
    body = {"status": "ok" if not down else "unavailable", "checks": {n: "up" if up else "down" for n, up in results.items()}}
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)


@member_required
def home(request):
    """The start page: the company's positions and candidates, and its analytics as charts for
    the period asked for (`?period=`)."""
    return TemplateResponse(request, "home.html", {**start_page_context(), **dashboard.home_context(request.GET)})


def _wants_json(request):
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"message": "Not found."}, status=404)
    return TemplateResponse(request, "404.html", status=404)


def server_error(request):
    """Django's handler500, called while the exception is being handled: an outage (the database
    or file storage away) answers 503 with what happened, anything else a plain 500."""
    outage = outage_for(sys.exc_info()[1])
    if outage is not None:
        return service_unavailable(request, outage)
    if _wants_json(request):
        return JsonResponse({"message": "Server error."}, status=500)
    from django.template.loader import render_to_string
    from django.http import HttpResponseServerError

    return HttpResponseServerError(render_to_string("500.html"))


def service_unavailable(request, outage):
    """503: JSON on the API, a page elsewhere; drawn without the database, which may be the one away."""
    from django.template.loader import render_to_string

    if _wants_json(request):
        response = JsonResponse({"message": str(outage.message), "code": outage.code}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": outage.message}), status=503)
    response["Retry-After"] = str(outage.retry_after_seconds)
    return response
