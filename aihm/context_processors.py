from django.conf import settings


def product(request):
    """What every page needs: the dashboard languages and whether the offline providers run."""
    return {
        "DASHBOARD_LANGUAGES": [(code, name) for code, name in settings.LANGUAGES if code in settings.DASHBOARD_LANGUAGES],
        "OFFLINE_AI": not settings.ANTHROPIC_API_KEY,
        "OFFLINE_TELEPHONY": not settings.TWILIO_ACCOUNT_SID,
    }
