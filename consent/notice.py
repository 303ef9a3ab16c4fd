"""The notice a candidate reads before deciding, rendered per language, and its proof.

Each decision stores the notice's version and the SHA-256 of the exact HTML shown (the company,
the position, the contact, the retention periods and what the consent covers are part of it),
and the HTML itself is kept once per hash (ConsentNotice) so the proof can be shown again.
Bump NOTICE_VERSION whenever the wording of consent/_notice.html changes.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from consent.calling_hours import WEEKDAY_NAMES, calling_hours
from consent.models import ConsentNotice, Coverage

NOTICE_VERSION = "2026-12.1"
NOTICE_LANGUAGES = ("fr", "en", "ar")


def production_providers_on():
    """The AI or the telephony run at an outside provider, abroad: the consent must cover it."""
    return bool(settings.ANTHROPIC_API_KEY or settings.TWILIO_ACCOUNT_SID)


def required_covers():
    """What a consent must cover for a call to be placed with the providers configured now."""
    covers = [Coverage.AI_CALL, Coverage.RECORDING, Coverage.TRANSCRIPTION, Coverage.AI_ANALYSIS]
    if production_providers_on():
        covers.append(Coverage.TRANSFER_ABROAD)
    return [str(cover) for cover in covers]


def contact_for(candidate, sender=None):
    """Who the candidate can write to: the recruiter who asked, else the position's owner, else an admin."""
    from accounts.models import Role, User

    for person in (sender, candidate.position.owner):
        if person is not None and person.is_active and person.tenant_id == candidate.tenant_id:
            return person
    return User.objects.filter(tenant_id=candidate.tenant_id, role=Role.ADMIN, is_active=True).order_by("date_joined").first()


def notice_facts(candidate, *, sender=None):
    """Everything the notice says about this candidate's call, minus the candidate."""
    from consent.selectors import retention_policy

    policy = retention_policy()
    hours = calling_hours()
    contact = contact_for(candidate, sender)
    return {
        "company": candidate.tenant.name,
        "position": candidate.position.title,
        "contact_name": contact.full_name if contact else "",
        "contact_email": contact.email if contact else "",
        "recordings_days": policy.recordings_days,
        "reports_months": policy.reports_months,
        "other_data_months": policy.other_data_months,
        "covers": [(code, Coverage(code).label) for code in required_covers()],
        "calling_days": [WEEKDAY_NAMES[day] for day in hours.days],
        "calling_start": hours.start.strftime("%H:%M"),
        "calling_end": hours.end.strftime("%H:%M"),
    }


@dataclass(frozen=True)
class Notice:
    html: str
    text_hash: str
    text_version: str
    language: str
    covers: tuple


def render_notice(facts, language):
    """The notice in one language, exactly as the page shows it, with its hash."""
    with translation.override(language):
        html = render_to_string("consent/_notice.html", facts).strip()
    return Notice(
        html=html,
        text_hash=hashlib.sha256(html.encode("utf-8")).hexdigest(),
        text_version=NOTICE_VERSION,
        language=language,
        covers=tuple(code for code, _label in facts["covers"]),
    )


def keep_notice(notice):
    """Store the notice's text once per hash, inside the active tenant."""
    ConsentNotice.objects.get_or_create(
        text_hash=notice.text_hash,
        defaults={"text_version": notice.text_version, "language": notice.language, "html": notice.html},
    )
