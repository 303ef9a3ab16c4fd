"""Domain errors: a message a recruiter can read, and the HTTP status the API answers with; and
outages: a service the product depends on is away, which is a 503, never a 500."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 409

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = str(message)
        self.field = field


class Conflict(DomainError):
    status_code = 409


class Invalid(DomainError):
    status_code = 400


class NotAllowed(DomainError):
    status_code = 403


class ServiceUnavailable(Exception):
    """A service the product depends on did not answer; nothing was saved and the same request
    can be tried again. Pages and the API answer 503 with `message`."""

    status_code = 503
    code = "service_unavailable"
    message = _("A service AIHM depends on is unavailable; nothing was saved. Try again in a moment.")
    retry_after_seconds = 30


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"
    message = _("The database is unavailable; nothing was saved. Try again in a moment.")
    retry_after_seconds = 5


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"
    message = _("File storage is unavailable; nothing was saved. Try again later.")


def outage_for(error):
    """The outage an exception stands for, or None when it is not one. A lost or refused
    database connection (OperationalError, InterfaceError) is an outage: the next request
    opens a new connection."""
    from django.db import InterfaceError, OperationalError

    if isinstance(error, ServiceUnavailable):
        return error
    if isinstance(error, (OperationalError, InterfaceError)):
        return DatabaseUnavailable()
    return None
