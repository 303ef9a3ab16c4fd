"""Call-back codes: six digits that, with the candidate's own number, let a candidate call the
interview line back. A code is issued with the consent confirmation and with each text message
before a call; only a keyed digest is stored (HMAC of the code with the candidate's id under the
project's secret), so a copy of the table reveals no code, and the code is shown once.

`matching_candidate(caller, code)` is the inbound call's question "who is this?": it reads the
candidates of every company with that number (one cross-tenant read, as the webhooks' attempt
lookup) and answers the one whose live code matches, or None. Failed tries are counted per
calling number in the cache: after MAX_FAILURES within FAILURE_WINDOW the number is refused
without a lookup until the window passes.
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from aihm.tenancy import bypassing_rls
from consent.models import CallbackCode
from consent.retention import register_purger

CODE_LENGTH = 6
CODE_LIFETIME = timedelta(days=30)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)


def _digest(candidate_id, code):
    return salted_hmac("consent.callback-code", f"{candidate_id}:{code}", algorithm="sha256").hexdigest()


def issue(candidate, *, purpose, now=None):
    """A new code for this candidate, valid CODE_LIFETIME; returns the code (the only time it is
    known). Earlier codes stay valid until they expire: each message keeps working."""
    now = now or timezone.now()
    code = f"{secrets.randbelow(10 ** CODE_LENGTH):0{CODE_LENGTH}d}"
    CallbackCode.objects.create(
        candidate=candidate, digest=_digest(candidate.pk, code), purpose=purpose, expires_at=now + CODE_LIFETIME,
    )
    return code


def _failure_key(caller):
    return "callback-code-failures:" + hashlib.sha256(caller.encode()).hexdigest()[:32]


def is_locked(caller):
    return (cache.get(_failure_key(caller)) or 0) >= MAX_FAILURES


def _count_failure(caller):
    key = _failure_key(caller)
    if cache.add(key, 1, timeout=int(FAILURE_WINDOW.total_seconds())):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=int(FAILURE_WINDOW.total_seconds()))


def matching_candidate(caller, code, *, now=None):
    """The (tenant id, candidate id) whose live code this is, called from the candidate's own
    number; None for anything else (and the failure counts). A locked number gets None unread."""
    from recruiting.models import Candidate

    now = now or timezone.now()
    if not caller or is_locked(caller):
        return None
    if len(code) != CODE_LENGTH or not code.isdigit():
        _count_failure(caller)
        return None
    candidates = list(bypassing_rls(Candidate).filter(phone=caller).values_list("tenant_id", "pk")[:20])
    if candidates:
        digests = bypassing_rls(CallbackCode).filter(
            candidate_id__in=[pk for _tenant, pk in candidates], expires_at__gt=now,
        ).values_list("candidate_id", "digest")
        for candidate_id, digest in digests:
            if constant_time_compare(digest, _digest(candidate_id, code)):
                cache.delete(_failure_key(caller))
                tenant_id = next(tenant for tenant, pk in candidates if pk == candidate_id)
                return str(tenant_id), str(candidate_id)
    _count_failure(caller)
    return None


@register_purger
def purge_expired(policy, now):
    """The company's daily retention run: codes past their date go."""
    deleted = CallbackCode.objects.filter(expires_at__lte=now).delete()[0]
    return {"expired_callback_codes": deleted} if deleted else {}
