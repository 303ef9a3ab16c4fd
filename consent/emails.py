"""Emails to candidates, in the position's language, HTML and text, through Django's email API
(django-anymail with Resend in production, the console by default). Every one of them carries
the link to withdraw."""

from smtplib import SMTPException

from anymail.exceptions import AnymailError
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from aihm.errors import Conflict
from aihm.mail import send_templated


class EmailNotSent(Conflict):
    """The email provider refused or could not be reached; nothing was recorded as sent."""


def consent_page_url(token, language=None):
    url = settings.FRONTEND_URL + reverse("consent:page", args=[token])
    return f"{url}?lang={language}" if language else url


def withdraw_page_url(token, language=None):
    url = settings.FRONTEND_URL + reverse("consent:withdraw", args=[token])
    return f"{url}?lang={language}" if language else url


def _send(template, *, to, language, context):
    try:
        send_templated(f"consent/email/{template}", to=to, language=language, context=context)
    except (AnymailError, SMTPException, OSError) as error:
        raise EmailNotSent(_("The email could not be sent; try again in a few minutes.")) from error


def send_consent_request(consent_request, token, *, facts, reminder_number=0):
    """The request (or one of its reminders) with the link to answer and the link to withdraw."""
    candidate = consent_request.candidate
    language = consent_request.language
    _send(
        "request",
        to=candidate.email,
        language=language,
        context={
            **facts,
            "candidate_name": candidate.full_name,
            "url": consent_page_url(token),
            "withdraw_url": withdraw_page_url(token),
            "expires_at": consent_request.expires_at,
            "reminder_number": reminder_number,
        },
    )


def send_grant_confirmation(candidate, token, *, language, facts, channel, callback_code=""):
    """After a grant (on the page or recorded by a recruiter): what was agreed, how to withdraw,
    and the code that lets the candidate call the interview line back."""
    _send(
        "granted",
        to=candidate.email,
        language=language,
        context={
            **facts,
            "candidate_name": candidate.full_name,
            "withdraw_url": withdraw_page_url(token),
            "by_recruiter": channel != "web",
            "callback_code": callback_code,
            "callback_number": settings.TWILIO_FROM_NUMBER,
        },
    )
