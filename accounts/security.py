"""Hooks for django-axes: who is trying to sign in, and what a locked-out client sees."""

from django.conf import settings
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from accounts.emails import normalise_email


def login_identifier(request, credentials):
    """The email tried, from the credentials (pages and API) or the posted form."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("username") or request.POST.get("email")
    return normalise_email(value)


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"message": message, "code": "locked_out"}, status=429)
    # Returned by axes' middleware, not by a view: nothing else would render it.
    return TemplateResponse(request, "accounts/locked_out.html", {"message": message}, status=429).render()
