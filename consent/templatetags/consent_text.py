"""Template helpers for the candidates' pages and emails."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def ltr(value):
    """A time or a range ("09:00–12:00") isolated left to right, so that Arabic text around it
    neither reorders nor wraps it (public.css keeps `.time` on one line)."""
    return format_html('<bdi dir="ltr" class="time">{}</bdi>', value)
