from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.views import member_required
from aihm.health import run_checks
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
    return TemplateResponse(request, "home.html", start_page_context())


def _wants_json(request):
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"message": "Not found."}, status=404)
    return TemplateResponse(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"message": "Server error."}, status=500)
    from django.template.loader import render_to_string
    from django.http import HttpResponseServerError

    return HttpResponseServerError(render_to_string("500.html"))
