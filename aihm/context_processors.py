import functools

from django.conf import settings


def product(request):
    """What every page needs: the dashboard languages, whether the offline providers run, and
    the user's unread notifications (counted only when the page shows them: one indexed query)."""
    user = getattr(request, "user", None)
    return {
        "unread_notifications": functools.partial(_unread, user),
        "DASHBOARD_LANGUAGES": [(code, name) for code, name in settings.LANGUAGES if code in settings.DASHBOARD_LANGUAGES],
        "OFFLINE_AI": not settings.ANTHROPIC_API_KEY,
        "OFFLINE_TELEPHONY": not settings.TWILIO_ACCOUNT_SID,
    }


def _unread(user):
    if user is None or not user.is_authenticated or not user.tenant_id:
        return 0
    from recruiting.inbox import unread_count

    return unread_count(user)
