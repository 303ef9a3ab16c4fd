"""The one normal form of an email address, used before every uniqueness check and look-up.

Look-alikes must be one account: `alice@ａ-corp.test` (fullwidth), `ALİCE@a-corp.test` (dotted
capital I) and `Alice@A-Corp.test` all reach the same mailbox, so they are stored and compared
as `alice@a-corp.test`.
"""

import unicodedata

_COMBINING_DOT_ABOVE = "\u0307"


def _normalise_local_part(local):
    """NFKC then case folding; `İ` folds to `i` + a combining dot, which no mailbox tells apart
    from `i`, so the dot goes."""
    folded = unicodedata.normalize("NFKC", local.casefold())
    return folded.replace("i" + _COMBINING_DOT_ABOVE, "i")


def _normalise_domain(domain):
    """The ASCII (IDNA) form of the domain, lower-case; left folded when it is not a valid name
    (the email validators refuse it then)."""
    folded = unicodedata.normalize("NFKC", domain.casefold()).rstrip(".")
    try:
        return folded.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return folded


def normalise_email(email):
    """NFKC, case folding, IDNA for the domain: the form an email is stored and compared in."""
    email = unicodedata.normalize("NFKC", (email or "").strip())
    local, at, domain = email.rpartition("@")
    if not at:
        return _normalise_local_part(email)
    return f"{_normalise_local_part(local)}@{_normalise_domain(domain)}"
