"""Calling hours, in the candidate's time zone: the one place the consent page and the
scheduling of calls ask when a candidate may be phoned."""

from datetime import datetime
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest

from aihm.errors import Invalid
from consent.calling_hours import (
    is_callable_at,
    next_calling_time,
    preference_blocks,
    preference_choices,
    validate_windows,
    windows_from_values,
)

PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def utc(*args):
    return datetime(*args, tzinfo=dt_timezone.utc)


def test_the_default_hours_are_monday_to_saturday_nine_to_seven_in_three_blocks():
    assert preference_blocks() == [("09:00", "12:00"), ("12:00", "16:00"), ("16:00", "19:00")]
    assert [day["weekday"] for day in preference_choices()] == [0, 1, 2, 3, 4, 5]


def test_the_hours_come_from_settings(settings):
    settings.CALLING_HOURS = {"days": [0, 1, 2, 3, 4], "start": "10:00", "end": "13:00"}
    assert preference_blocks() == [("10:00", "11:00"), ("11:00", "12:00"), ("12:00", "13:00")]
    assert [day["weekday"] for day in preference_choices()] == [0, 1, 2, 3, 4]
    with pytest.raises(Invalid):
        validate_windows([{"weekday": 5, "start": "10:00", "end": "11:00"}])


def test_windows_are_checked_sorted_and_deduplicated():
    windows = [
        {"weekday": 3, "start": "16:00", "end": "19:00"},
        {"weekday": "0", "start": "9:00", "end": "12:00"},
        {"weekday": 3, "start": "16:00", "end": "19:00"},
    ]
    assert validate_windows(windows) == [
        {"weekday": 0, "start": "09:00", "end": "12:00"}, {"weekday": 3, "start": "16:00", "end": "19:00"},
    ]
    assert validate_windows(None) == [] and validate_windows([]) == []


@pytest.mark.parametrize("windows", [
    [{"weekday": 6, "start": "10:00", "end": "12:00"}],   # Sunday
    [{"weekday": 1, "start": "08:00", "end": "10:00"}],   # before nine
    [{"weekday": 1, "start": "18:00", "end": "20:00"}],   # after seven
    [{"weekday": 1, "start": "12:00", "end": "12:00"}],   # empty
    [{"weekday": 1, "start": "noon", "end": "13:00"}],
    [{"weekday": 1}],
    ["monday morning"],
    "every day",
    [{"weekday": 1, "start": "09:00", "end": "10:00"}] * 22,
])
def test_windows_outside_calling_hours_or_malformed_are_refused(windows):
    with pytest.raises(Invalid) as refused:
        validate_windows(windows)
    assert refused.value.field == "preferred_times"


def test_the_page_checkbox_values_read_as_windows():
    assert windows_from_values(["2-12:00-16:00"]) == [{"weekday": 2, "start": "12:00", "end": "16:00"}]
    with pytest.raises(Invalid):
        windows_from_values(["2-12:00"])


@pytest.mark.parametrize("moment, callable_", [
    (paris(2026, 3, 7, 18, 59), True),    # Saturday evening
    (paris(2026, 3, 7, 19, 0), False),
    (paris(2026, 3, 8, 11, 0), False),    # Sunday
    (paris(2026, 3, 9, 8, 59), False),
    (paris(2026, 3, 9, 9, 0), True),
])
def test_a_moment_is_judged_in_the_candidates_time_zone(moment, callable_):
    assert is_callable_at(moment.astimezone(dt_timezone.utc), "Europe/Paris") is callable_


def test_the_next_calling_time_skips_the_evening_and_sunday():
    assert next_calling_time(paris(2026, 3, 7, 18, 30), "Europe/Paris") == utc(2026, 3, 7, 17, 30)
    assert next_calling_time(paris(2026, 3, 7, 19, 30), "Europe/Paris") == utc(2026, 3, 9, 8, 0)


def test_the_next_calling_time_follows_daylight_saving_time():
    # Paris moves to summer time on Sunday 29 March 2026: Monday 09:00 is 07:00 UTC.
    assert next_calling_time(paris(2026, 3, 28, 20, 0), "Europe/Paris") == utc(2026, 3, 30, 7, 0)


def test_the_next_calling_time_respects_preferred_windows():
    wednesday_afternoon = [{"weekday": 2, "start": "16:00", "end": "19:00"}]
    assert next_calling_time(paris(2026, 3, 9, 10, 0), "Europe/Paris", wednesday_afternoon) == utc(2026, 3, 11, 15, 0)
    assert next_calling_time(paris(2026, 3, 11, 17, 0), "Europe/Paris", wednesday_afternoon) == utc(2026, 3, 11, 16, 0)


def test_casablanca_and_an_unknown_zone():
    assert is_callable_at(utc(2026, 3, 9, 12, 0), "Africa/Casablanca")
    assert next_calling_time(utc(2026, 3, 8, 12, 0), "Not/AZone") == utc(2026, 3, 9, 9, 0)
