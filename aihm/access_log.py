"""Secret links kept out of the logs.

Consent, invitation and password-reset links carry their secret in the URL path. Their pages
trade it for a session on the first request (aihm.secret_links), but that first request line,
and a Referer naming it, still reach the access log. Every log the product configures passes
its lines through `redact()`: runserver's `django.server` and the console handler through
`RedactSecretLinks` (settings.LOGGING), gunicorn's access log through `RedactingGunicornLogger`
(`--logger-class` in the Dockerfile).
"""

import logging
import re

from gunicorn import glogging

REDACTED = "[redacted]"

# A path or query segment of 20+ URL-safe characters: consent tokens (43), the parts of a signed
# invitation token, a password-reset token (`<timestamp>-<32 hex>`), a JWT's parts.
_TOKEN_SHAPED = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])")
# Not secrets: object ids (the dashboard's URLs) and plain words joined by - or _ (route names).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_WORDS = re.compile(r"[a-z]+(?:[-_][a-z]+)*")


def _replace(match):
    segment = match.group(0)
    if _UUID.fullmatch(segment) or _WORDS.fullmatch(segment):
        return segment
    return REDACTED


def redact(text):
    """The text with every token-shaped segment replaced by [redacted]."""
    return _TOKEN_SHAPED.sub(_replace, text)


class RedactSecretLinks(logging.Filter):
    """A logging filter that redacts the formatted message (request lines, 'Not Found: /path')."""

    def filter(self, record):
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class RedactingGunicornLogger(glogging.Logger):
    """gunicorn's logger with every access-log atom redacted (request line, path, query, Referer
    and the other headers), whatever `--access-logformat` picks."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
