"""Consent link tokens: 256 random bits, of which only the SHA-256 is stored.

`locate()` is the one cross-tenant lookup of the consent app: a candidate opening a link is not
signed in, so nothing tells which company the link belongs to until its hash is found. It reads
the link's tenant and request id, nothing else, through the privileged alias; everything after
that runs inside that tenant's context (see consent.services.opened_request).
"""

import hashlib
import secrets
from dataclasses import dataclass

from aihm.tenancy import bypassing_rls

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 128


def new_token():
    """A fresh token for a link, and the hash to store."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LinkLocation:
    tenant_id: str
    request_id: str


def locate(token):
    """Where a token leads (tenant and request), or None for an unknown or malformed token."""
    if not isinstance(token, str) or not 16 <= len(token) <= MAX_TOKEN_LENGTH:
        return None
    from consent.models import ConsentLink

    row = bypassing_rls(ConsentLink).filter(token_hash=hash_token(token)).values_list("tenant_id", "request_id").first()
    if row is None:
        return None
    return LinkLocation(tenant_id=str(row[0]), request_id=str(row[1]))
