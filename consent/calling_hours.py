"""Calling hours: when a candidate may be phoned, in the candidate's own time zone.

The one place that knows them. `rules_for(candidate)` gives a candidate's CallingRules: the
company's CallingHoursPolicy (or the defaults, settings.CALLING_HOURS), the public holidays of
the country of the candidate's phone number, and for French numbers the windows of the French
decree on telephone canvassing (décret 2022-1313: Monday to Friday, 10:00-13:00 and 14:00-20:00,
never on public holidays). A consented screening call is not canvassing, but it is the safe default.

The consent page's preferred call times stay on the global settings (`calling_hours()`,
`preference_choices()`, `validate_windows()`); the rules narrow them where they differ.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import phonenumbers
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aihm.errors import Invalid
from recruiting.phones import COUNTRY_ZONES

WEEKDAY_NAMES = (
    gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"), gettext_lazy("Thursday"),
    gettext_lazy("Friday"), gettext_lazy("Saturday"), gettext_lazy("Sunday"),
)
MAX_WINDOWS = 21
PREFERENCE_BLOCKS = 3

FRENCH_DECREE_DAYS = (0, 1, 2, 3, 4)
FRENCH_DECREE_WINDOWS = ((time(10), time(13)), (time(14), time(20)))

# Where the holidays are, for the countries of recruiting.phones.COUNTRY_ZONES: a phrase each, since
# the preposition changes with the country in French ("en France", "au Maroc", "aux Pays-Bas").
COUNTRY_PLACES = {
    "MA": gettext_lazy("in Morocco"), "EH": gettext_lazy("in Western Sahara"), "FR": gettext_lazy("in France"),
    "BE": gettext_lazy("in Belgium"), "CH": gettext_lazy("in Switzerland"), "LU": gettext_lazy("in Luxembourg"),
    "DZ": gettext_lazy("in Algeria"), "TN": gettext_lazy("in Tunisia"), "SN": gettext_lazy("in Senegal"),
    "CI": gettext_lazy("in Côte d'Ivoire"), "ES": gettext_lazy("in Spain"), "GB": gettext_lazy("in the United Kingdom"),
    "DE": gettext_lazy("in Germany"), "IT": gettext_lazy("in Italy"), "PT": gettext_lazy("in Portugal"),
    "NL": gettext_lazy("in the Netherlands"), "AE": gettext_lazy("in the United Arab Emirates"),
    "SA": gettext_lazy("in Saudi Arabia"), "EG": gettext_lazy("in Egypt"), "CA": gettext_lazy("in Canada"),
}


# --- The global hours (settings.CALLING_HOURS): the consent page's preferred times ----------------


@dataclass(frozen=True)
class CallingHours:
    days: tuple  # weekday numbers, 0 = Monday
    start: time
    end: time

    def contains(self, local_moment):
        """Whether a moment, in the candidate's local time, is inside calling hours."""
        return local_moment.weekday() in self.days and self.start <= local_moment.time() < self.end


def parse_clock(value):
    """A time of day from "HH:MM" or a time (seconds dropped); ValueError when it is not one."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    hours, minutes = (int(part) for part in str(value).split(":"))
    return time(hours, minutes)


def calling_hours():
    configured = settings.CALLING_HOURS
    return CallingHours(
        days=tuple(sorted({int(day) for day in configured["days"]})),
        start=parse_clock(configured["start"]),
        end=parse_clock(configured["end"]),
    )


def known_zone(tz_name):
    """The time zone of that IANA name, or None when it is not one ("", "Europe", "Not/AZone")."""
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        return None


def zone(tz_name):
    """The candidate's time zone; an unknown name falls back to UTC rather than failing a call."""
    return known_zone(tz_name) or ZoneInfo("UTC")


def _minutes(moment):
    return moment.hour * 60 + moment.minute


def _clock(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def preference_blocks():
    """Calling hours cut into a few blocks on whole hours, e.g. 09:00-12:00, 12:00-16:00, 16:00-19:00."""
    hours = calling_hours()
    start, end = _minutes(hours.start), _minutes(hours.end)
    bounds = [start]
    for index in range(1, PREFERENCE_BLOCKS):
        cut = round((start + (end - start) * index / PREFERENCE_BLOCKS) / 60) * 60
        if bounds[-1] < cut < end:
            bounds.append(cut)
    bounds.append(end)
    return [(_clock(a), _clock(b)) for a, b in zip(bounds, bounds[1:])]


def preference_choices():
    """Every (weekday, block) a candidate may tick, as windows with their labels."""
    return [
        {"weekday": day, "day_name": WEEKDAY_NAMES[day], "blocks": [
            {"start": start, "end": end, "value": f"{day}-{start}-{end}"} for start, end in preference_blocks()
        ]}
        for day in calling_hours().days
    ]


def windows_from_values(values):
    """`["0-09:00-12:00", ...]` (the page's checkboxes) as windows; nonsense is refused."""
    windows = []
    for value in values:
        try:
            day, start, end = str(value).split("-")
            windows.append({"weekday": int(day), "start": start, "end": end})
        except ValueError:
            raise Invalid(_("Choose call times from the list."), field="preferred_times") from None
    return windows


def validate_windows(windows):
    """Preferred call times, checked against calling hours, sorted and without duplicates."""
    if windows is None:
        return []
    if not isinstance(windows, (list, tuple)) or len(windows) > MAX_WINDOWS:
        raise Invalid(_("Give at most %(n)d call time windows.") % {"n": MAX_WINDOWS}, field="preferred_times")
    hours = calling_hours()
    cleaned = set()
    for window in windows:
        try:
            weekday = int(window["weekday"])
            start, end = parse_clock(window["start"]), parse_clock(window["end"])
        except (KeyError, TypeError, ValueError):
            raise Invalid(_("Each call time window needs a weekday, a start and an end (HH:MM)."), field="preferred_times") from None
        if weekday not in hours.days:
            raise Invalid(_("Calls are not made on that day."), field="preferred_times")
        if not (hours.start <= start < end <= hours.end):
            raise Invalid(
                _("Call times must be between %(start)s and %(end)s.") % {"start": _clock(_minutes(hours.start)), "end": _clock(_minutes(hours.end))},
                field="preferred_times",
            )
        cleaned.add((weekday, _clock(_minutes(start)), _clock(_minutes(end))))
    return [{"weekday": day, "start": start, "end": end} for day, start, end in sorted(cleaned)]


def is_callable_at(moment, tz_name):
    """Whether an aware moment falls inside the global calling hours in that time zone (no
    country, so no holidays); the scheduler asks `rules_for(candidate).allows()` instead."""
    return _global_rules(tz_name).allows(moment)


def next_calling_time(after, tz_name, windows=None, horizon_days=14):
    """The earliest moment at or after `after` inside the global calling hours (and inside the
    preferred windows when they leave one), as an aware UTC datetime; None when nothing fits."""
    return _global_rules(tz_name, windows).next_time(after, horizon_days=horizon_days)


def _global_rules(tz_name, windows=None):
    hours = calling_hours()
    return CallingRules(
        country=None, tz_name=tz_name or "UTC", days=hours.days, windows=((hours.start, hours.end),),
        skip_public_holidays=False, preferred=_preferred_from(windows),
    )


# --- Public holidays ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _holiday_countries():
    return frozenset(holidays.list_supported_countries())


@lru_cache(maxsize=1)
def _holiday_languages():
    return MappingProxyType(holidays.list_localized_countries())


def _holiday_language(country):
    """The `holidays` language closest to the active one, else None (the country's own)."""
    wanted = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    offered = _holiday_languages().get(country, ())
    return next((code for code in offered if code == wanted), None) or next(
        (code for code in offered if code.startswith(f"{wanted}_")), None
    )


@lru_cache(maxsize=256)
def _holidays_of(country, year, language):
    """{date: name} of a country's public holidays in a year, read-only. Islamic holidays (in
    Morocco: Eid al-Fitr, Eid al-Adha, the Islamic New Year, the Prophet's Birthday) are the
    package's estimates, named "(estimated)": the real date follows the moon sighting and may
    differ by a day."""
    try:
        return MappingProxyType(dict(holidays.country_holidays(country, years=year, language=language)))
    except (NotImplementedError, KeyError, ValueError):
        return MappingProxyType({})


def holiday_name(country, day):
    """The name of the public holiday on that date in that country, in the active language; None
    when it is not one or the country is unknown."""
    if country not in _holiday_countries():
        return None
    return _holidays_of(country, day.year, _holiday_language(country)).get(day)


def country_of(phone):
    """The region code ("FR", "MA") of an E.164 number; None when it cannot be told."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone or ""))
    except phonenumbers.NumberParseException:
        return None
    return region if region and region.isalpha() and region != phonenumbers.UNKNOWN_REGION else None  # not "001"


def in_country(country):
    """Where a country's holidays are, as a phrase: "in France", "in Morocco", else "in the country US"."""
    return COUNTRY_PLACES.get(country) or _("in the country %(code)s") % {"code": country}


# --- The rules for one candidate ---------------------------------------------------------------


def _preferred_from(windows):
    """A candidate's stored windows as (weekday, start, end); entries that do not read are left out."""
    preferred = set()
    for window in windows or ():
        try:
            weekday, start, end = int(window["weekday"]), parse_clock(window["start"]), parse_clock(window["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if 0 <= weekday <= 6 and start < end:
            preferred.add((weekday, start, end))
    return tuple(sorted(preferred))


def _days_phrase(days):
    """Days in words: Monday to Friday; Monday, Wednesday and Friday; every day."""
    days = sorted(set(days))
    if len(days) == 7:
        return _("every day")
    runs = []
    for day in days:
        if runs and runs[-1][1] == day - 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    parts = []
    for first, last in runs:
        if last - first >= 2:
            parts.append(_("%(first)s to %(last)s") % {"first": WEEKDAY_NAMES[first], "last": WEEKDAY_NAMES[last]})
        else:
            parts.extend(str(WEEKDAY_NAMES[day]) for day in range(first, last + 1))
    return get_text_list(parts, _("and"))


def _windows_phrase(windows):
    return get_text_list([f"{start:%H:%M}-{end:%H:%M}" for start, end in windows], _("and"))


@dataclass(frozen=True)
class CallingRules:
    """When one candidate may be phoned; pure once built (no database in its methods).

    `allows()` and `refusal()` judge the rules themselves; the candidate's preferred windows only
    steer `next_time()`. Whether a moment is in the past is the scheduler's business.
    """

    country: str | None
    tz_name: str
    days: tuple  # weekday numbers, 0 = Monday
    windows: tuple  # ((start, end), ...) in local time, sorted, not overlapping
    skip_public_holidays: bool = True
    follows_french_decree: bool = False
    preferred: tuple = ()  # ((weekday, start, end), ...) in local time

    def _local(self, moment):
        return moment.astimezone(zone(self.tz_name))

    def holiday_on(self, day):
        """The name of the holiday that stops calls on that local date, else None."""
        return holiday_name(self.country, day) if self.skip_public_holidays and self.country else None

    def _windows_on(self, day, preferred=()):
        """The (start, end) local times allowed on a date, narrowed to the preferred ones if given."""
        if day.weekday() not in self.days or self.holiday_on(day):
            return []
        if not preferred:
            return list(self.windows)
        narrowed = {
            (max(start, wanted_start), min(end, wanted_end))
            for start, end in self.windows
            for weekday, wanted_start, wanted_end in preferred
            if weekday == day.weekday() and max(start, wanted_start) < min(end, wanted_end)
        }
        return sorted(narrowed)

    def allows(self, moment):
        """Whether an aware moment is inside calling hours and not on a public holiday."""
        local = self._local(moment)
        return any(start <= local.time() < end for start, end in self._windows_on(local.date()))

    def hours_sentence(self):
        return _("Calls are made %(days)s, %(windows)s (candidate's local time).") % {
            "days": _days_phrase(self.days), "windows": _windows_phrase(self.windows),
        }

    def refusal(self, moment):
        """None when the moment is allowed; else why not, in a sentence a recruiter understands."""
        if self.allows(moment):
            return None
        local = self._local(moment)
        holiday = self.holiday_on(local.date())
        if holiday and local.weekday() in self.days:
            return _("%(day)s is a public holiday %(in_country)s (%(holiday)s).") % {
                "day": date_format(local.date(), "l j F Y"), "in_country": in_country(self.country), "holiday": holiday,
            }
        return _("For the candidate it is %(when)s, outside calling hours. %(hours)s") % {
            "when": date_format(local, "l j F Y, H:i"), "hours": self.hours_sentence(),
        }

    def _first_moment(self, after, horizon_days, preferred):
        local_zone, after_utc = zone(self.tz_name), after.astimezone(dt_timezone.utc)
        first_day = self._local(after).date()
        for offset in range(horizon_days + 1):
            day = first_day + timedelta(days=offset)
            for start, end in self._windows_on(day, preferred):
                window_start = datetime.combine(day, start, tzinfo=local_zone).astimezone(dt_timezone.utc)
                window_end = datetime.combine(day, end, tzinfo=local_zone).astimezone(dt_timezone.utc)
                moment = max(window_start, after_utc)
                if moment < window_end:
                    return moment
        return None

    def next_time(self, after, horizon_days=21):
        """The earliest allowed moment at or after `after`, aware UTC; inside the preferred windows
        when they leave one within the horizon, else ignoring them; None when nothing fits."""
        if self.preferred:
            moment = self._first_moment(after, horizon_days, self.preferred)
            if moment is not None:
                return moment
        return self._first_moment(after, horizon_days, ())

    def describe(self):
        """One sentence for a page: days, windows, time zone, public holidays."""
        facts = {
            "days": _days_phrase(self.days), "windows": _windows_phrase(self.windows), "zone": self.tz_name,
            "in_country": in_country(self.country) if self.country else "",
        }
        if not (self.skip_public_holidays and self.country in _holiday_countries()):
            return _("Calls are made %(days)s, %(windows)s (candidate's local time, %(zone)s).") % facts
        if self.follows_french_decree:
            return _(
                "Calls are made %(days)s, %(windows)s (candidate's local time, %(zone)s), with no calls on public "
                "holidays %(in_country)s, as the French decree on telephone canvassing sets."
            ) % facts
        return _(
            "Calls are made %(days)s, %(windows)s (candidate's local time, %(zone)s), with no calls on public "
            "holidays %(in_country)s."
        ) % facts

    def upcoming_holidays(self, after, days=30):
        """The public holidays that stop calls from `after`'s local date for `days` days, as
        (date, name); empty when holidays do not stop calls or the country has none known."""
        first_day = self._local(after).date()
        found = ((first_day + timedelta(days=offset)) for offset in range(days + 1))
        return [(day, name) for day in found if (name := self.holiday_on(day))]


def build_rules(*, policy, country, tz_name, preferred_windows=None):
    """The rules from a policy (saved or the defaults), a country and a time zone; no database."""
    if country == "FR" and policy.french_decree_for_french_numbers:
        days, windows, skip, decree = FRENCH_DECREE_DAYS, FRENCH_DECREE_WINDOWS, True, True
    else:
        days = tuple(sorted({int(day) for day in policy.days}))
        windows = tuple(sorted((parse_clock(start), parse_clock(end)) for start, end in policy.windows))
        skip, decree = policy.skip_public_holidays, False
    return CallingRules(
        country=country, tz_name=tz_name, days=days, windows=windows, skip_public_holidays=skip,
        follows_french_decree=decree, preferred=_preferred_from(preferred_windows),
    )


def candidate_zone_name(candidate, country):
    """The candidate's time zone when it is a real one, else their phone country's, else UTC."""
    known = known_zone(candidate.timezone)
    return known.key if known else COUNTRY_ZONES.get(country, "UTC")


def rules_for(candidate):
    """The calling rules for this candidate: the company's policy (or defaults), the country of
    candidate.phone (holidays, the French decree), candidate.timezone, and the candidate's
    preferred windows if any. Must be called inside the candidate's tenant context (it reads the
    tenant's policy)."""
    from consent.selectors import calling_hours_policy, preferred_windows  # selectors import this module

    country = country_of(candidate.phone)
    return build_rules(
        policy=calling_hours_policy(), country=country, tz_name=candidate_zone_name(candidate, country),
        preferred_windows=preferred_windows(candidate),
    )


def policy_examples(policy):
    """What a policy means for a number in France and one in Morocco, for the settings page."""
    return [
        {"label": label, "sentence": build_rules(policy=policy, country=country, tz_name=tz_name).describe()}
        for label, country, tz_name in (
            (_("A number in France (+33)"), "FR", "Europe/Paris"),
            (_("A number in Morocco (+212)"), "MA", "Africa/Casablanca"),
        )
    ]
