"""One-time invitation links: signed, expiring, and void once the invitation is accepted."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "accounts.invitation"


def _state_of(user):
    """Changes when the invitation is accepted (password set, account active)."""
    return salted_hmac(_SALT, f"{user.pk}|{user.password}|{user.is_active}|{user.last_login}").hexdigest()[:24]


def make_invitation_token(user):
    return signing.dumps({"user": str(user.pk), "tenant": str(user.tenant_id), "state": _state_of(user)}, salt=_SALT)


def read_invitation_token(token):
    """What the token was made for (the user's id and company), or None when it is forged or expired."""
    max_age = timedelta(days=settings.INVITATION_TIMEOUT_DAYS)
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return data


def invitation_token_matches(user, data):
    return constant_time_compare(_state_of(user), str(data.get("state", "")))
