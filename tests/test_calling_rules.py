"""Calling rules per candidate: the company's hours, the public holidays of the phone's country,
the French decree's windows for French numbers, and the candidate's preferred windows."""

from datetime import date, datetime, time
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditLog
from aihm.errors import Invalid, NotAllowed
from aihm.tenancy import TenantNotSet, tenant_context
from consent import services
from consent.calling_hours import build_rules, rules_for
from consent.models import CallingHoursPolicy, CallTimePreference
from tests import factories

pytestmark = pytest.mark.django_db

PARIS, CASABLANCA = ZoneInfo("Europe/Paris"), ZoneInfo("Africa/Casablanca")
FRENCH, MOROCCAN = "+33612345678", "+212612345678"
DECREE_HOURS = "Calls are made Monday to Friday, 10:00-13:00 and 14:00-20:00 (candidate's local time)."


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def casablanca(*args):
    return datetime(*args, tzinfo=CASABLANCA)


def utc(*args):
    return datetime(*args, tzinfo=dt_timezone.utc)


def candidate_rules(tenant, *, phone, timezone, windows=None, **policy):
    """The rules of a new candidate of `tenant`, built inside its context and used outside it."""
    with tenant_context(tenant.pk):
        if policy:
            factories.CallingHoursPolicyFactory(**policy)
        candidate = factories.CandidateFactory(phone=phone, timezone=timezone)
        if windows:
            CallTimePreference(candidate=candidate, windows=windows).save()
        return rules_for(candidate)


@pytest.fixture
def french(tenant_a):
    return candidate_rules(tenant_a, phone=FRENCH, timezone="Europe/Paris")


@pytest.fixture
def moroccan(tenant_a):
    return candidate_rules(tenant_a, phone=MOROCCAN, timezone="Africa/Casablanca")


# --- French numbers: the decree's windows and French public holidays ---------------------------


@pytest.mark.parametrize("moment", [
    paris(2026, 5, 9, 10, 0),    # Saturday
    paris(2026, 5, 6, 13, 30),   # Wednesday, lunch break
    paris(2026, 5, 6, 20, 15),   # Wednesday evening
    paris(2026, 5, 6, 9, 59),
    paris(2026, 5, 6, 20, 0),
])
def test_a_french_number_is_not_called_outside_the_decrees_windows(french, moment):
    assert not french.allows(moment)
    assert french.refusal(moment).endswith(DECREE_HOURS)


def test_the_refusal_says_what_time_it_is_for_the_candidate(french):
    assert french.refusal(utc(2026, 5, 9, 8, 0)) == f"For the candidate it is Saturday 9 May 2026, 10:00, outside calling hours. {DECREE_HOURS}"


@pytest.mark.parametrize("moment, reason", [
    (paris(2026, 7, 14, 10, 0), "Tuesday 14 July 2026 is a public holiday in France (National Day)."),
    (paris(2026, 5, 1, 15, 0), "Friday 1 May 2026 is a public holiday in France (Labor Day)."),
])
def test_a_french_number_is_not_called_on_a_public_holiday(french, moment, reason):
    assert not french.allows(moment)
    assert french.refusal(moment) == reason


def test_the_holidays_name_follows_the_language_of_the_reader(french):
    with translation.override("fr"):
        assert "Fête du Travail" in french.refusal(paris(2026, 5, 1, 15, 0))


@pytest.mark.parametrize("moment", [paris(2026, 5, 6, 10, 0), paris(2026, 5, 6, 12, 59), paris(2026, 5, 6, 14, 0), paris(2026, 5, 7, 19, 59)])
def test_a_french_number_is_called_inside_the_decrees_windows(french, moment):
    assert french.allows(moment) and french.refusal(moment) is None


def test_the_next_time_skips_the_lunch_break_and_the_evening(french):
    assert french.next_time(paris(2026, 5, 6, 13, 30)) == utc(2026, 5, 6, 12, 0)
    assert french.next_time(paris(2026, 5, 6, 11, 15, 30)) == paris(2026, 5, 6, 11, 15, 30)
    assert french.next_time(paris(2026, 5, 6, 20, 30)) == utc(2026, 5, 7, 8, 0)


def test_the_next_time_skips_the_weekend_and_a_monday_holiday_across_daylight_saving(french):
    # Friday 29 March 2024 after hours (UTC+1); Easter Monday 1 April; summer time (UTC+2) since Sunday.
    assert french.next_time(paris(2024, 3, 29, 20, 30)) == utc(2024, 4, 2, 8, 0)


def test_the_rules_describe_themselves_and_list_the_coming_holidays(french):
    assert french.country == "FR" and french.tz_name == "Europe/Paris"
    assert french.describe() == (
        "Calls are made Monday to Friday, 10:00-13:00 and 14:00-20:00 (candidate's local time, Europe/Paris), "
        "with no calls on public holidays in France, as the French decree on telephone canvassing sets."
    )
    assert french.upcoming_holidays(paris(2026, 7, 1, 9, 0)) == [(date(2026, 7, 14), "National Day")]


# --- Moroccan numbers: the default hours and Moroccan public holidays --------------------------


def test_a_moroccan_number_follows_the_default_hours(moroccan):
    assert moroccan.country == "MA"
    assert moroccan.allows(casablanca(2026, 5, 9, 10, 0))    # Saturday
    assert moroccan.allows(casablanca(2026, 5, 6, 13, 30))   # no lunch break
    assert not moroccan.allows(casablanca(2026, 5, 6, 19, 0))
    assert not moroccan.allows(casablanca(2026, 5, 10, 10, 0))  # Sunday


@pytest.mark.parametrize("moment, reason", [
    (casablanca(2026, 7, 30, 10, 0), "Thursday 30 July 2026 is a public holiday in Morocco (Throne Day)."),
    (casablanca(2026, 11, 18, 10, 0), "Wednesday 18 November 2026 is a public holiday in Morocco (Independence Day)."),
])
def test_a_moroccan_number_is_not_called_on_a_moroccan_holiday(moroccan, moment, reason):
    assert moroccan.refusal(moment) == reason


def test_the_next_time_for_a_moroccan_number_skips_throne_day(moroccan):
    assert moroccan.next_time(casablanca(2026, 7, 29, 19, 30)) == utc(2026, 7, 31, 8, 0)
    assert [day for day, _ in moroccan.upcoming_holidays(casablanca(2026, 7, 25, 9, 0))] == [
        date(2026, 7, 30), date(2026, 8, 14), date(2026, 8, 20), date(2026, 8, 21),
    ]
    assert "public holidays in Morocco" in moroccan.describe()


# --- The company's policy ------------------------------------------------------------------------

MORNINGS_AND_AFTERNOONS = {"days": [0, 1, 2, 3, 4, 5], "start": time(8), "end": time(12), "second_start": time(13), "second_end": time(17)}


def test_a_company_policy_changes_the_hours_but_french_numbers_keep_the_decree(tenant_a):
    moroccan = candidate_rules(tenant_a, phone=MOROCCAN, timezone="Africa/Casablanca", **MORNINGS_AND_AFTERNOONS)
    with tenant_context(tenant_a.pk):
        french = rules_for(factories.CandidateFactory(phone=FRENCH, timezone="Europe/Paris"))
    assert moroccan.allows(casablanca(2026, 5, 6, 8, 30)) and moroccan.allows(casablanca(2026, 5, 9, 16, 30))
    assert not moroccan.allows(casablanca(2026, 5, 6, 12, 30)) and not moroccan.allows(casablanca(2026, 5, 6, 17, 0))
    assert moroccan.describe().startswith("Calls are made Monday to Saturday, 08:00-12:00 and 13:00-17:00")
    assert not french.allows(paris(2026, 5, 6, 8, 30)) and french.follows_french_decree


def test_without_the_decree_french_numbers_follow_the_company_hours(tenant_a):
    french = candidate_rules(tenant_a, phone=FRENCH, timezone="Europe/Paris", french_decree_for_french_numbers=False,
                             **MORNINGS_AND_AFTERNOONS)
    assert french.allows(paris(2026, 5, 6, 8, 30)) and french.allows(paris(2026, 5, 9, 9, 0))
    assert not french.allows(paris(2026, 7, 14, 9, 0))  # public holidays still skipped
    assert french.describe() == (
        "Calls are made Monday to Saturday, 08:00-12:00 and 13:00-17:00 (candidate's local time, Europe/Paris), "
        "with no calls on public holidays in France."
    )


def test_without_skipping_public_holidays_calls_happen_on_them_except_under_the_decree(tenant_a):
    moroccan = candidate_rules(tenant_a, phone=MOROCCAN, timezone="Africa/Casablanca", skip_public_holidays=False)
    with tenant_context(tenant_a.pk):
        french = rules_for(factories.CandidateFactory(phone=FRENCH, timezone="Europe/Paris"))
        CallingHoursPolicy.objects.update(french_decree_for_french_numbers=False)
        french_without_decree = rules_for(factories.CandidateFactory(phone=FRENCH, timezone="Europe/Paris"))
    assert moroccan.allows(casablanca(2026, 7, 30, 10, 0)) and moroccan.upcoming_holidays(casablanca(2026, 7, 25, 9, 0)) == []
    assert not french.allows(paris(2026, 7, 14, 10, 0))
    assert french_without_decree.allows(paris(2026, 7, 14, 10, 0))
    assert "public holidays" not in french_without_decree.describe()


def test_a_companys_policy_does_not_apply_to_another_company(tenant_a, tenant_b):
    in_a = candidate_rules(tenant_a, phone=MOROCCAN, timezone="Africa/Casablanca", days=[0], start=time(8), end=time(9))
    in_b = candidate_rules(tenant_b, phone=MOROCCAN, timezone="Africa/Casablanca")
    assert in_a.allows(casablanca(2026, 5, 4, 8, 30)) and not in_a.allows(casablanca(2026, 5, 5, 10, 0))
    assert not in_b.allows(casablanca(2026, 5, 4, 8, 30)) and in_b.allows(casablanca(2026, 5, 5, 10, 0))


def test_the_rules_are_read_inside_the_candidates_tenant_only(tenant_a):
    with tenant_context(tenant_a.pk):
        candidate = factories.CandidateFactory()
    with pytest.raises(TenantNotSet):
        rules_for(candidate)


@pytest.mark.parametrize("days, phrase", [
    ([0, 2, 4], "Monday, Wednesday and Friday"),
    ([0, 1, 3, 4, 5], "Monday, Tuesday and Thursday to Saturday"),
    ([6], "Sunday"),
    (list(range(7)), "every day"),
])
def test_the_days_read_as_a_phrase(days, phrase):
    rules = build_rules(policy=CallingHoursPolicy(days=days, start=time(9), end=time(18)), country=None, tz_name="UTC")
    assert rules.describe() == f"Calls are made {phrase}, 09:00-18:00 (candidate's local time, UTC)."


# --- Preferred windows -----------------------------------------------------------------------------


def test_preferred_windows_narrow_the_next_time_but_not_what_is_allowed(tenant_a):
    wednesday_afternoon = [{"weekday": 2, "start": "16:00", "end": "19:00"}]
    rules = candidate_rules(tenant_a, phone=MOROCCAN, timezone="Africa/Casablanca", windows=wednesday_afternoon)
    assert rules.next_time(casablanca(2026, 5, 4, 10, 0)) == utc(2026, 5, 6, 15, 0)
    assert rules.allows(casablanca(2026, 5, 4, 10, 0))


def test_preferred_windows_keep_to_the_decrees_windows(tenant_a):
    monday_midday = [{"weekday": 0, "start": "12:00", "end": "16:00"}]
    rules = candidate_rules(tenant_a, phone=FRENCH, timezone="Europe/Paris", windows=monday_midday)
    assert rules.next_time(paris(2026, 5, 4, 13, 10)) == utc(2026, 5, 4, 12, 0)   # 14:00 Paris, after lunch
    assert rules.next_time(paris(2026, 5, 4, 16, 0)) == utc(2026, 5, 11, 10, 0)   # the next Monday, 12:00 Paris


def test_preferred_windows_never_land_on_a_holiday(tenant_a):
    fridays = [{"weekday": 4, "start": "09:00", "end": "12:00"}]
    rules = candidate_rules(tenant_a, phone=FRENCH, timezone="Europe/Paris", windows=fridays)
    # Friday 1 May and Friday 8 May 2026 are public holidays.
    assert rules.next_time(paris(2026, 4, 30, 20, 30)) == utc(2026, 5, 15, 8, 0)


def test_preferred_windows_that_leave_nothing_are_ignored(tenant_a):
    saturdays = [{"weekday": 5, "start": "09:00", "end": "12:00"}, {"weekday": "nonsense"}]
    rules = candidate_rules(tenant_a, phone=FRENCH, timezone="Europe/Paris", windows=saturdays)
    assert rules.next_time(paris(2026, 5, 6, 20, 30)) == utc(2026, 5, 7, 8, 0)
    assert rules.next_time(paris(2026, 5, 6, 20, 30), horizon_days=0) is None


# --- Numbers and zones that cannot be told -----------------------------------------------------------


@pytest.mark.parametrize("phone, timezone", [
    ("not a phone", "Not/AZone"), ("", "Europe"), ("+999123", ""), ("+881612345678", "UTC"),
])
def test_an_unknown_number_or_zone_gets_the_default_hours_in_utc_without_holidays(tenant_a, phone, timezone):
    rules = candidate_rules(tenant_a, phone=phone, timezone=timezone)
    assert (rules.country, rules.tz_name) == (None, "UTC")
    assert rules.allows(utc(2026, 1, 1, 10, 0))  # New Year's Day, a Thursday
    assert rules.upcoming_holidays(utc(2026, 1, 1)) == []
    assert rules.next_time(utc(2026, 1, 4, 10, 0)) == utc(2026, 1, 5, 9, 0)
    assert "holidays" not in rules.describe()


def test_a_french_number_with_an_unknown_zone_is_judged_in_paris_time(tenant_a):
    rules = candidate_rules(tenant_a, phone=FRENCH, timezone="Not/AZone")
    assert rules.tz_name == "Europe/Paris" and rules.allows(utc(2026, 5, 6, 8, 0))


# --- The service ---------------------------------------------------------------------------------------


def test_only_an_admin_changes_the_calling_hours(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk), pytest.raises(NotAllowed):
        services.update_calling_hours_policy(by=recruiter_a, days=[0])


def test_the_service_keeps_what_is_left_out_and_puts_the_earlier_window_first(tenant_a, admin_a):
    with tenant_context(tenant_a.pk):
        services.update_calling_hours_policy(by=admin_a, french_decree_for_french_numbers=False)
        policy = services.update_calling_hours_policy(by=admin_a, start="14:00", end="18:00", second_start="09:00", second_end="12:00")
        entries = list(AuditLog.objects.filter(action="calling_hours.updated", actor_id=admin_a.pk).order_by("created_at"))
    assert policy.windows == ((time(9), time(12)), (time(14), time(18)))
    assert (policy.days, policy.french_decree_for_french_numbers, policy.updated_by_id) == ([0, 1, 2, 3, 4, 5], False, admin_a.pk)
    assert [entry.details["windows"] for entry in entries] == ["09:00-19:00", "09:00-12:00, 14:00-18:00"]


@pytest.mark.parametrize("fields, field, message", [
    ({"days": []}, "days", "Choose at least one calling day."),
    ({"days": [7]}, "days", "Choose calling days from Monday to Sunday."),
    ({"start": "18:00", "end": "09:00"}, "end", "Calling hours must end after they start."),
    ({"start": "noon"}, "start", "Enter a time as HH:MM."),
    ({"second_start": "14:00"}, "second_end", "Give both the start and the end of the second window, or leave both empty."),
    ({"end": "13:00", "second_start": "12:00", "second_end": "16:00"}, "second_start",
     "The two windows overlap: the second must start when or after the first ends."),
    ({"second_start": "16:00", "second_end": "15:00"}, "second_end", "Calling hours must end after they start."),
])
def test_the_service_refuses_hours_that_do_not_make_sense(tenant_a, admin_a, fields, field, message):
    with tenant_context(tenant_a.pk), pytest.raises(Invalid) as refused:
        services.update_calling_hours_policy(by=admin_a, **fields)
    assert (refused.value.field, refused.value.message) == (field, message)


# --- The settings page ----------------------------------------------------------------------------------

URL = "/consent/settings/calling-hours/"
GOOD_FORM = {"days": ["0", "1", "2", "3", "4"], "start": "08:00", "end": "12:00", "second_start": "13:00",
             "second_end": "17:00", "skip_public_holidays": "on"}


def signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_page_is_linked_from_the_retention_settings(admin_a):
    assert reverse("consent:calling_hours") == URL
    assert URL in signed_in(admin_a).get(reverse("consent:retention")).content.decode()


def test_an_admin_sees_what_applies_and_saves_the_calling_hours(tenant_a, admin_a):
    client = signed_in(admin_a)
    page = client.get(URL).content.decode()
    assert "as the French decree on telephone canvassing sets" in page and "public holidays in Morocco" in page
    response = client.post(URL, GOOD_FORM)
    assert response.status_code == 302 and response["Location"] == URL
    with tenant_context(tenant_a.pk):
        policy = CallingHoursPolicy.objects.get()
        assert AuditLog.objects.filter(action="calling_hours.updated", actor_id=admin_a.pk, target_id=str(policy.pk)).exists()
    assert policy.days == [0, 1, 2, 3, 4] and policy.windows == ((time(8), time(12)), (time(13), time(17)))
    assert policy.skip_public_holidays and not policy.french_decree_for_french_numbers
    assert "Monday to Friday, 08:00-12:00 and 13:00-17:00 (candidate&#x27;s local time, Europe/Paris)" in client.get(URL).content.decode()


@pytest.mark.parametrize("who", ["recruiter_a", "viewer_a"])
def test_recruiters_and_viewers_cannot_change_the_calling_hours(request, tenant_a, who):
    client = signed_in(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, GOOD_FORM).status_code == 403
    with tenant_context(tenant_a.pk):
        assert not CallingHoursPolicy.objects.exists()


@pytest.mark.parametrize("changes, message", [
    ({"end": "07:00"}, "Calling hours must end after they start."),
    ({"second_start": "11:00"}, "The two windows overlap: the second must start when or after the first ends."),
    ({"days": []}, "Choose at least one calling day."),
    ({"second_end": ""}, "Give both the start and the end of the second window, or leave both empty."),
    ({"start": "8h"}, "Enter a valid time."),
])
def test_bad_calling_hours_are_refused_with_a_clear_error(tenant_a, admin_a, changes, message):
    response = signed_in(admin_a).post(URL, {**GOOD_FORM, **changes})
    assert response.status_code == 200
    assert message.replace("'", "&#x27;") in response.content.decode()
    with tenant_context(tenant_a.pk):
        assert not CallingHoursPolicy.objects.exists()
