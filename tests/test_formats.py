"""Dates read the way the product's recruiters write them, in English as in French: the day first,
on a 24-hour clock."""

from datetime import datetime

from django.utils import formats, translation


def test_english_dates_put_the_day_first_on_a_24_hour_clock():
    moment = datetime(2026, 12, 4, 20, 21)
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "04/12/2026 20:21"
        assert formats.date_format(moment, "DATE_FORMAT") == "4 December 2026"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1
    with translation.override("fr"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "04/12/2026 20:21"
        assert formats.date_format(moment, "DATE_FORMAT") == "4 décembre 2026"
