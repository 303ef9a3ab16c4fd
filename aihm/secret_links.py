"""Links whose secret is in the path (consent, invitation), traded for the session on the first
request, the way Django's PasswordResetConfirmView does with its `set-password` URL.

The first GET of `/…/<secret>/…` stores the secret in the visitor's session under a short random
key and redirects to the same route with the key in its place, so the page, its forms, its
Referer and the access log hold only the key, worthless without the session. A visitor can hold
several links at once (one key each). aihm.access_log redacts the first request line.

Every response of such a view, and the password-reset pages, send `Referrer-Policy:
strict-origin`: no Referer ever carries a path (neither a token nor a key). Not `no-referrer`:
with it, browsers send `Origin: null` on the page's own form posts (the Fetch standard), and
Django's CSRF check rightly refuses them.
"""

import re
import secrets
from functools import wraps

from django.shortcuts import redirect
from django.urls import reverse

SESSION_KEY = "secret_links"
REFERRER_POLICY = "strict-origin"
MAX_LINKS_PER_SCOPE = 20
# Shorter than any secret, so that a key and a secret never look alike.
_LINK_KEY = re.compile(r"[0-9a-f]{12}")


def is_link_key(value):
    return bool(_LINK_KEY.fullmatch(value or ""))


def remember(request, scope, secret):
    """Keep the secret in the session; return the key that stands for it in URLs."""
    links = request.session.get(SESSION_KEY, {})
    held = dict(links.get(scope, {}))
    for key, value in held.items():
        if value == secret:
            return key
    key = secrets.token_hex(6)
    held[key] = secret
    links[scope] = dict(list(held.items())[-MAX_LINKS_PER_SCOPE:])
    request.session[SESSION_KEY] = links
    return key


def recall(request, scope, key):
    """The secret a key stands for in this session, or "" (another browser, an expired session)."""
    return request.session.get(SESSION_KEY, {}).get(scope, {}).get(key, "")


def no_referrer_path(view):
    """No Referer sent from the view's responses carries a path (see the module's docstring)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = REFERRER_POLICY
        return response

    return wrapper


def secret_in_session(scope, *, is_known):
    """Decorate a view `view(request, token, link)`: `token` is the secret (or "" when the key is
    not in the session), `link` what the page's own URLs carry in its place. A GET with a secret
    that `is_known(secret)` recognises is stored and redirected; an unknown one reaches the view
    as is, which answers it like any unusable link."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, token, **kwargs):
            if is_link_key(token):
                return view(request, recall(request, scope, token), token, **kwargs)
            if request.method == "GET" and is_known(token):
                key = remember(request, scope, token)
                match = request.resolver_match
                url = reverse(match.view_name, args=match.args, kwargs={**match.kwargs, "token": key})
                query = request.META.get("QUERY_STRING", "")
                return redirect(f"{url}?{query}" if query else url)
            return view(request, token, token, **kwargs)

        return no_referrer_path(wrapper)

    return decorator
