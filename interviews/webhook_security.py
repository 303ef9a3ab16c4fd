"""Twilio's request signatures: proof that a webhook request comes from Twilio.

Twilio signs the URL it called (query string included) followed by every POST parameter, name
and value, in sorted order, with HMAC-SHA1 keyed by the account's auth token, and sends it as
`X-Twilio-Signature`. Behind a proxy, the URL Django sees differs from the one Twilio called, so
it is rebuilt from `settings.TWILIO_WEBHOOK_BASE_URL`, never from the Host header or the scheme.
"""

import functools
import logging

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from twilio.request_validator import SIGNATURE_HEADER, RequestValidator

log = logging.getLogger(__name__)


def webhook_url(name, *args, **query):
    """The public URL of one of the product's webhooks, as Twilio (or the simulator) will call
    it: `TWILIO_WEBHOOK_BASE_URL`, the route's path, and the query."""
    path = settings.TWILIO_WEBHOOK_BASE_URL + reverse(name, args=args)
    return f"{path}?{urlencode(query)}" if query else path


def public_url(request):
    """The URL Twilio called: `TWILIO_WEBHOOK_BASE_URL` (scheme, public host, and any prefix a
    proxy strips before Django) followed by the path and query string that Django received."""
    base_url = getattr(settings, "TWILIO_WEBHOOK_BASE_URL", "").rstrip("/")
    return base_url + request.get_full_path()


def is_signed_by_twilio(request, auth_token):
    """True when `X-Twilio-Signature` signs this request's public URL and form body with
    `auth_token`. False with no token, no base URL, no signature, or any difference.

    The POST parameters go to the SDK as Django's QueryDict, so a parameter repeated to smuggle
    a second value (`Digits=1&Digits=2`) must have been signed with both values.
    """
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not auth_token or not signature or not getattr(settings, "TWILIO_WEBHOOK_BASE_URL", ""):
        return False
    params = request.POST if request.method == "POST" else {}
    return RequestValidator(auth_token).validate(public_url(request), params, signature)


def signature_for(url, params, auth_token):
    """The `X-Twilio-Signature` Twilio would send for a POST of `params` to `url`: for the
    simulator and the tests."""
    return RequestValidator(auth_token).compute_signature(url, params)


def twilio_webhook(token_getter):
    """Decorate a Twilio webhook view: CSRF-exempt, POST only (405 otherwise), and a 403 with an
    empty body, the view not called, unless Twilio signed the request with `token_getter()`.

    The failure is logged with the path only: no phone number, no body.
    """

    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            if not is_signed_by_twilio(request, token_getter()):
                log.warning("twilio webhook %s: bad signature", request.path)
                return HttpResponse(status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
