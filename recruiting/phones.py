"""Phone numbers: normalised to E.164, refused when they cannot be dialled, with the reason."""

from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from phonenumbers import PhoneNumberType, timezone as phone_timezone

from aihm.errors import Invalid

DIALLABLE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalise_phone(raw, region=None):
    """E.164 for a number a screening call can reach; Invalid(field="phone") otherwise."""
    raw = (raw or "").strip()
    if not raw:
        raise Invalid(_("A phone number is required to call the candidate."), field="phone")
    try:
        number = phonenumbers.parse(raw, region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise Invalid(_("This is not a phone number."), field="phone") from None
    if not phonenumbers.is_possible_number(number):
        raise Invalid(_("This phone number has the wrong length for its country."), field="phone")
    if not phonenumbers.is_valid_number(number):
        raise Invalid(_("This phone number does not exist in its country's numbering plan."), field="phone")
    if phonenumbers.number_type(number) not in DIALLABLE_TYPES:
        raise Invalid(_("Only mobile and landline numbers can be called (not premium, shared-cost or special numbers)."), field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# The country's main zone where libphonenumber's zone data is surprising (+212 -> Atlantic/Canary).
COUNTRY_ZONES = {
    "MA": "Africa/Casablanca", "EH": "Africa/El_Aaiun", "FR": "Europe/Paris", "BE": "Europe/Brussels",
    "CH": "Europe/Zurich", "LU": "Europe/Luxembourg", "DZ": "Africa/Algiers", "TN": "Africa/Tunis",
    "SN": "Africa/Dakar", "CI": "Africa/Abidjan", "ES": "Europe/Madrid", "GB": "Europe/London",
    "DE": "Europe/Berlin", "IT": "Europe/Rome", "PT": "Europe/Lisbon", "NL": "Europe/Amsterdam",
    "AE": "Asia/Dubai", "SA": "Asia/Riyadh", "EG": "Africa/Cairo", "CA": "America/Toronto",
}


def timezone_for(phone_e164, given=None):
    """The given time zone when valid, else the phone country's main zone, else UTC."""
    if given:
        if given not in available_timezones():
            raise Invalid(_("Unknown time zone."), field="timezone")
        return given
    number = phonenumbers.parse(phone_e164)
    zone = COUNTRY_ZONES.get(phonenumbers.region_code_for_number(number))
    if zone is None:
        zones = [z for z in phone_timezone.time_zones_for_number(number) if z != "Etc/Unknown"]
        zone = zones[0] if zones else "UTC"
    ZoneInfo(zone)
    return zone
