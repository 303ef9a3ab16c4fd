"""Domain errors: a message a recruiter can read, and the HTTP status the API answers with."""


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
