"""One way to send a templated email: a subject, a text body and an HTML body rendered in the
recipient's language, sent through Django's email API (django-anymail in production)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated(template, *, to, language, context):
    """Render `<template>_subject.txt`, `<template>.txt` and `<template>.html` in `language` and
    send them to `to`. The provider's errors propagate to the caller, which knows what they mean."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()
