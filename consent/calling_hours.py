"""Calling hours: when a candidate may be phoned, in the candidate's own time zone.

The one place that knows them (settings.CALLING_HOURS): the consent page offers preferred call
times inside them, and the scheduling of calls asks `next_calling_time()` for a moment inside
them (and inside the candidate's preferred windows when there are some).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aihm.errors import Invalid

WEEKDAY_NAMES = (
    gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"), gettext_lazy("Thursday"),
    gettext_lazy("Friday"), gettext_lazy("Saturday"), gettext_lazy("Sunday"),
)
MAX_WINDOWS = 21
PREFERENCE_BLOCKS = 3


@dataclass(frozen=True)
class CallingHours:
    days: tuple  # weekday numbers, 0 = Monday
    start: time
    end: time

    def contains(self, local_moment):
        """Whether a moment, in the candidate's local time, is inside calling hours."""
        return local_moment.weekday() in self.days and self.start <= local_moment.time() < self.end


def _parse_time(value):
    hours, minutes = (int(part) for part in str(value).split(":"))
    return time(hours, minutes)


def calling_hours():
    configured = settings.CALLING_HOURS
    return CallingHours(
        days=tuple(sorted({int(day) for day in configured["days"]})),
        start=_parse_time(configured["start"]),
        end=_parse_time(configured["end"]),
    )


def zone(tz_name):
    """The candidate's time zone; an unknown name falls back to UTC rather than failing a call."""
    try:
        return ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


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
            start, end = _parse_time(window["start"]), _parse_time(window["end"])
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


def _windows_on(day, windows, hours):
    """The (start, end) local times allowed on a date: calling hours, narrowed to preferences."""
    if day.weekday() not in hours.days:
        return []
    if not windows:
        return [(hours.start, hours.end)]
    return sorted(
        (max(_parse_time(w["start"]), hours.start), min(_parse_time(w["end"]), hours.end))
        for w in windows if int(w["weekday"]) == day.weekday()
    )


def is_callable_at(moment, tz_name):
    """Whether an aware moment falls inside calling hours for a candidate in that time zone."""
    return calling_hours().contains(moment.astimezone(zone(tz_name)))


def next_calling_time(after, tz_name, windows=None, horizon_days=14):
    """The earliest moment at or after `after` inside calling hours (and inside the preferred
    windows when given), as an aware UTC datetime; None when nothing fits within the horizon."""
    hours, local_zone = calling_hours(), zone(tz_name)
    local_after = after.astimezone(local_zone)
    for offset in range(horizon_days + 1):
        day = local_after.date() + timedelta(days=offset)
        for start, end in _windows_on(day, windows, hours):
            window_start = datetime.combine(day, start, tzinfo=local_zone)
            window_end = datetime.combine(day, end, tzinfo=local_zone)
            candidate_moment = max(window_start, local_after)
            if candidate_moment < window_end:
                return candidate_moment.astimezone(dt_timezone.utc)
    return None
