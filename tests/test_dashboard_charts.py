"""The home page's charts: each one's figures on a small hand-built company (the funnel, the CV
and interview score histograms, the weekly activity, the calls by outcome, the headline
numbers), an empty state per chart for a company with nothing yet, the period filter (an unknown
period is the default), another company's data never shown, a fixed number of queries whatever
the number of candidates, no inline style or script, and numbers written the French way."""

import re
from datetime import datetime
from datetime import timezone as dt_timezone

import lxml.html
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aihm.tenancy import tenant_context
from analytics import dashboard
from consent.models import ConsentRecord, ConsentRequest
from interviews import pipeline
from interviews.models import CallAttempt, Interview, InterviewAnalysis
from recruiting.models import Candidate
from tests import factories
from tests.interviews_support import mirror_first_reports

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 18, 12, tzinfo=dt_timezone.utc)  # a Wednesday; this week began on Monday 16 March


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def at(year, month, day, hour=8):
    return datetime(year, month, day, hour, tzinfo=dt_timezone.utc)


def client_for(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def home(user, language="en", **params):
    response = client_for(user, language).get(reverse("home"), params)
    assert response.status_code == 200
    return response


def chart(response, chart_id):
    return lxml.html.fromstring(response.content.decode()).get_element_by_id(chart_id)


def figures(section):
    """The rows of a chart's table of figures, as text."""
    return [[cell.text_content().strip() for cell in row.xpath("./th|./td")] for row in section.xpath(".//tbody/tr")]


def bars(section, css_class="chart-bar"):
    return [(int(rect.get("data-value")), float(rect.get("height")), float(rect.get("width")))
            for rect in section.xpath(f".//*[local-name()='rect'][@class='{css_class}']")]


# --- Building a company -----------------------------------------------------------------------


def candidate(position, name, *, added, score=None, status="new"):
    made = factories.CandidateFactory(position=position, full_name=name, cv_score=score, status=status,
                                      scoring_status="scored" if score is not None else "no_cv")
    Candidate.objects.filter(pk=made.pk).update(created_at=added)
    return made


def granted(person):
    ConsentRecord.objects.create(candidate=person, candidate_ref=person.pk, decision="granted", channel="web",
                                 text_version="v1", text_hash="0" * 64, language="fr")


def interview(person, *, state="audio_complete", ended=None):
    made = factories.InterviewFactory(candidate=person, state=state)
    Interview.objects.filter(pk=made.pk).update(ended_at=ended)
    return made


def attempt(of, number, outcome, *, answered=True, ended=None, state="ended", direction="outbound"):
    return factories.CallAttemptFactory(interview=of, number=number, outcome=outcome, state=state, direction=direction,
                                        answered_at=timezone.now() if answered else None, ended_at=ended)


def analysis(of, version, *, score, finished, state="done", recommendation="hold"):
    made = InterviewAnalysis.objects.create(interview=of, version=version, state=state, overall_score=score,
                                            recommendation=recommendation if score is not None else "insufficient_evidence",
                                            finished_at=finished)
    pipeline.mirror_interview_score(of.candidate_id)  # as the pipeline does once an analysis ends
    return made


@pytest.fixture
def company(tenant_a):
    """Eight candidates: five in the last 30 days, a sixth in the last 90, a seventh in the last
    12 months, an eighth before (the comments give what each one adds to the charts)."""
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(title="Backend developer", status="open")
        # This week: CV 85; analysed twice, the latest score (4.5) counts; its first report after 8 h.
        amina = candidate(position, "Amina", added=at(2026, 3, 17), score=85, status="report_ready")
        granted(amina)
        call = interview(amina, ended=at(2026, 3, 17, 15))
        attempt(call, 1, "completed", ended=at(2026, 3, 17, 15))
        analysis(call, 1, score=2.0, finished=at(2026, 3, 17, 16))
        analysis(call, 2, score=4.5, finished=at(2026, 3, 18, 9))
        # Last week: CV 42; a call not answered, then one completed (the interview's end is read
        # from its last call while the recordings are collected); score 3.0 after 28 h.
        bilal = candidate(position, "Bilal", added=at(2026, 3, 10), score=42, status="interview_done")
        granted(bilal)
        call = interview(bilal, state="awaiting_audio")
        attempt(call, 1, "no_answer", answered=False, ended=at(2026, 3, 10, 18))
        attempt(call, 2, "completed", ended=at(2026, 3, 11, 10))
        attempt(call, 3, "completed", direction="inbound", ended=at(2026, 3, 11, 11))  # their call back: not ours
        analysis(call, 1, score=3.0, finished=at(2026, 3, 11, 12))
        # Last week: CV 47, asked for consent.
        chloe = candidate(position, "Chloé", added=at(2026, 3, 9), score=47, status="consent_pending")
        ConsentRequest.objects.create(candidate=chloe, language="fr", expires_at=at(2026, 3, 30))
        # Two weeks ago: a perfect CV (the top band holds 100); no CV, voicemail, busy, then an
        # interview whose analysis found too little to assess, after 48 h.
        candidate(position, "Driss", added=at(2026, 3, 2), score=100)
        emma = candidate(position, "Emma", added=at(2026, 3, 2), status="interview_done")
        granted(emma)
        call = interview(emma, ended=at(2026, 3, 3))
        attempt(call, 1, "voicemail", ended=at(2026, 3, 2, 10))
        attempt(call, 2, "busy", answered=False, ended=at(2026, 3, 2, 14))
        attempt(call, 3, "completed", ended=at(2026, 3, 3))
        attempt(interview(emma, state="dialling"), 1, "", answered=False, state="ringing")  # still ringing: no outcome yet
        analysis(call, 1, score=None, finished=at(2026, 3, 4))
        # In January (last 90 days, not the last 30): CV 67.
        candidate(position, "Farid", added=at(2026, 1, 10), score=67, status="cv_scored")
        # In October (last 12 months only), and in 2024 (all time only).
        candidate(position, "Gita", added=at(2025, 10, 1), score=10, status="cv_scored")
        candidate(position, "Hana", added=at(2024, 6, 1), score=5, status="cv_scored")
    return position


@pytest.fixture
def other_company(tenant_b):
    """Company B: figures unlike A's, which A must never see."""
    with tenant_context(tenant_b.pk):
        position = factories.PositionFactory(title="Globex role", status="open")
        for number in range(3):
            person = candidate(position, f"Bruno {number}", added=at(2026, 3, 17), score=95, status="interview_done")
            call = interview(person, ended=at(2026, 3, 17, 10))
            attempt(call, 1, "failed", answered=False, ended=at(2026, 3, 17, 10))
            analysis(call, 1, score=0.2, finished=at(2026, 3, 17, 11))
    return position


# --- Each chart's figures ---------------------------------------------------------------------


def test_the_funnel_counts_each_step_and_the_share_of_the_step_before(company, other_company, viewer_a):
    section = chart(home(viewer_a), "chart-funnel")

    assert figures(section) == [
        ["New", "6", "—"], ["CV scored", "5", "83%"], ["Consent pending", "4", "80%"], ["Consent given", "3", "75%"],
        ["Interview scheduled", "3", "100%"], ["Interview in progress", "3", "100%"], ["Interview done", "3", "100%"],
        ["Report ready", "1", "33%"], ["Shortlisted", "0", "0%"], ["Hired", "0", "—not available yet"],
    ]
    drawn = bars(section)
    assert [value for value, _height, _width in drawn] == [6, 5, 4, 3, 3, 3, 3, 1]  # no bar for a zero
    assert drawn[0][2] == 400 and drawn[3][2] == 200  # the widest step fills the chart, half of it half
    assert "CV scored 5" in section.xpath(".//*[local-name()='svg']")[0].get("aria-label")


def test_the_cv_scores_fall_into_bands_of_ten_points(company, other_company, viewer_a):
    section = chart(home(viewer_a), "chart-cv-scores")

    assert figures(section) == [
        ["0–10", "0"], ["10–20", "0"], ["20–30", "0"], ["30–40", "0"], ["40–50", "2"],
        ["50–60", "0"], ["60–70", "1"], ["70–80", "0"], ["80–90", "1"], ["90–100", "1"],
    ]
    assert [(value, height) for value, height, _width in bars(section)] == [(2, 168.0), (1, 84.0), (1, 84.0), (1, 84.0)]
    svg = section.xpath(".//*[local-name()='svg']")[0]
    assert svg.get("role") == "img" and "40–50: 2" in svg.get("aria-label")
    assert svg.get("viewbox") == "0 0 400 220"


def test_the_interview_scores_count_each_interviews_latest_analysis(company, other_company, viewer_a):
    response = home(viewer_a)
    section = chart(response, "chart-interview-scores")

    rows = dict((band, count) for band, count in figures(section))
    assert rows["3–3.5"] == "1" and rows["4.5–5"] == "1" and rows["2–2.5"] == "0"  # Amina's first score (2.0) is replaced
    assert rows["Insufficient evidence"] == "1"
    assert sum(int(count) for count in rows.values()) == 3
    assert [value for value, _height, _width in bars(section)] == [1, 1]
    assert "1 analysis found too little to assess." in section.text_content()


def test_the_weekly_activity_counts_the_last_twelve_weeks(company, other_company, viewer_a):
    response = home(viewer_a, period="30d")  # the weekly chart is about the company, whatever the period
    weeks = response.context["weekly_chart"]["groups"]

    assert len(weeks) == 12 and weeks[0]["week"].isoformat() == "2025-12-29" and weeks[-1]["week"].isoformat() == "2026-03-16"
    counts = {week["week"].isoformat(): (week["added"], week["interviewed"], week["reported"]) for week in weeks}
    assert counts["2026-03-16"] == (1, 1, 1)   # Amina: added, interviewed, first report (not her second)
    assert counts["2026-03-09"] == (2, 1, 1)   # Bilal and Chloé; Bilal's call ended on the 11th
    assert counts["2026-03-02"] == (2, 1, 1)   # Driss and Emma; Emma's report said too little, but is a report
    assert counts["2026-01-05"] == (1, 0, 0)   # Farid, on Saturday 10 January
    assert sum(sum(value) for value in counts.values()) == 12  # Gita and Hana are older
    section = chart(response, "chart-weekly")
    assert figures(section)[-1] == ["16 March 2026", "1", "1", "1"]
    assert sorted(value for value, _h, _w in bars(section, "chart-series-added")) == [1, 1, 2, 2]


def test_calls_are_counted_by_outcome(company, other_company, viewer_a):
    section = chart(home(viewer_a), "chart-calls")

    assert figures(section) == [
        ["Completed", "3"], ["No answer", "1"], ["Busy", "1"], ["Failed", "0"], ["Voicemail", "1"],
        ["Hung up mid-interview", "0"], ["Declined on the call", "0"], ["Asked to be called back", "0"],
    ]
    assert [value for value, _height, _width in bars(section)] == [3, 1, 1, 1]


def test_the_headline_numbers(company, other_company, viewer_a):
    response = home(viewer_a)
    kpis = {item.xpath("./dt")[0].text_content().strip(): item.xpath("./dd")[0].text_content().strip()
            for item in lxml.html.fromstring(response.content.decode()).find_class("kpi")}

    assert kpis == {
        "Candidates added": "6", "Consent rate": "75%", "Answer rate": "50%", "Interviews completed": "3",
        "Average CV score": "68.2 / 100",          # (85 + 42 + 47 + 100 + 67) / 5
        "Average interview score": "3.8 / 5",       # (4.5 + 3.0) / 2
        "Median time to report": "28 h",            # of 8, 28 and 48 hours
        "AI and recruiter agree": "—not available yet",
    }
    assert "of 8 in all" in response.content.decode()


# --- The period -------------------------------------------------------------------------------


@pytest.mark.parametrize("period, added, cv_scores", [
    ("30d", 5, 4), ("90d", 6, 5), ("12m", 7, 6), ("all", 8, 7),
    ("", 6, 5), ("forever", 6, 5), ("30D", 6, 5),    # an unknown period is the default: the last 90 days
])
def test_the_period_selects_the_candidates_added_in_it(company, viewer_a, period, added, cv_scores):
    response = home(viewer_a, period=period)

    assert response.context["headline"]["candidates_added"] == added
    assert response.context["cv_scores_chart"]["total"] == cv_scores
    page = lxml.html.fromstring(response.content.decode())
    current = page.xpath("//nav[contains(@class, 'period-switch')]//a[@aria-current='true']")
    assert [link.get("href") for link in current] == [f"?period={dashboard.period_from({'period': period}).key}"]


def test_the_period_links_are_plain_links(viewer_a):
    page = home(viewer_a).content.decode()

    for key in ("30d", "90d", "12m", "all"):
        assert f'href="?period={key}"' in page


# --- Empty states -----------------------------------------------------------------------------


CHARTS = ("chart-funnel", "chart-calls", "chart-cv-scores", "chart-interview-scores", "chart-weekly")


def test_a_company_without_candidates_sees_an_empty_state_per_chart(admin_a, viewer_a, tenant_a):
    response = home(admin_a)

    for chart_id in CHARTS:
        section = chart(response, chart_id)
        assert not section.xpath(".//*[local-name()='svg']"), chart_id
        assert "No candidates yet" in section.text_content(), chart_id
        assert section.xpath(f".//a[@href='{reverse('recruiting:position_create')}']"), chart_id
    with tenant_context(tenant_a.pk):
        factories.PositionFactory()
    section = chart(home(admin_a), "chart-funnel")
    assert section.xpath(f".//a[@href='{reverse('recruiting:position_list')}']")
    assert not chart(home(viewer_a), "chart-funnel").xpath(".//a")  # a viewer adds nothing


def test_a_period_without_candidates_offers_all_time(tenant_a, viewer_a):
    with tenant_context(tenant_a.pk):
        candidate(factories.PositionFactory(), "Old", added=at(2024, 1, 1), score=50)

    response = home(viewer_a, period="30d")

    section = chart(response, "chart-funnel")
    assert "No candidates were added in this period." in section.text_content()
    assert section.xpath(".//a[@href='?period=all']")
    assert chart(response, "chart-weekly").xpath(".//a") == []
    assert chart(home(viewer_a, period="all"), "chart-funnel").xpath(".//*[local-name()='svg']")


# --- Tenants, queries, page rules, French -----------------------------------------------------


def test_another_companys_data_never_shows(company, other_company, viewer_a, admin_b):
    mine, theirs = home(viewer_a), home(admin_b)

    assert dict(figures(chart(mine, "chart-calls")))["Failed"] == "0"
    assert dict(figures(chart(theirs, "chart-calls")))["Failed"] == "3"
    assert dict(figures(chart(mine, "chart-cv-scores")))["90–100"] == "1"
    assert dict(figures(chart(theirs, "chart-cv-scores")))["90–100"] == "3"
    assert dict(figures(chart(mine, "chart-interview-scores")))["0–0.5"] == "0"
    assert mine.context["weekly_chart"]["groups"][-1]["added"] == 1
    assert theirs.context["weekly_chart"]["groups"][-1]["added"] == 3
    assert theirs.context["headline"]["candidates_added"] == 3
    assert "Globex role" not in mine.content.decode() and "Amina" not in theirs.content.decode()


def fill(tenant, count):
    """`count` candidates in bulk with consents, interviews, calls and analyses on some of them."""
    with tenant_context(tenant.pk):
        position = factories.PositionFactory()
        script = factories.ScriptVersionFactory(position=position)
        people = Candidate.objects.bulk_create(
            Candidate(tenant_id=tenant.pk, position=position, full_name=f"Candidate {n}", phone=f"+2126{n:08d}",
                      timezone="Africa/Casablanca", scoring_status="scored", cv_score=n % 101,
                      status=["new", "consent_given", "report_ready", "rejected", "shortlisted"][n % 5])
            for n in range(count))
        ConsentRecord.objects.bulk_create(
            ConsentRecord(tenant_id=tenant.pk, candidate=person, candidate_ref=person.pk, decision="granted",
                          channel="web", text_version="v1", text_hash="0" * 64, language="fr")
            for person in people[::2])
        interviews = Interview.objects.bulk_create(
            Interview(tenant_id=tenant.pk, candidate=person, script=script, language="fr", state="audio_complete",
                      ended_at=timezone.now())
            for person in people[::2])
        CallAttempt.objects.bulk_create(
            CallAttempt(tenant_id=tenant.pk, interview=call, number=1, state="ended",
                        outcome=["completed", "no_answer", "busy"][n % 3], ended_at=timezone.now())
            for n, call in enumerate(interviews))
        InterviewAnalysis.objects.bulk_create(
            InterviewAnalysis(tenant_id=tenant.pk, interview=call, version=1, state="done", overall_score=(n % 11) / 2,
                              recommendation="hold", finished_at=timezone.now())
            for n, call in enumerate(interviews))
        mirror_first_reports()


def queries(user):
    client = client_for(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_candidates(tenant_a, tenant_b, admin_a, admin_b):
    fill(tenant_a, 10)
    fill(tenant_b, 200)

    assert queries(admin_a) == queries(admin_b)
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant.pk), CaptureQueriesContext(connection) as captured:
            context = dashboard.home_context({"period": "all"})
        # The overview's 4, the pipeline's 1, one per histogram, 3 for the weeks, 1 for the calls.
        assert len(captured) == 11
    assert context["headline"]["candidates_added"] == 200
    assert context["weekly_chart"]["groups"][-1]["added"] == 200


def test_the_figures_are_kept_a_minute_per_company_and_period(tenant_a, tenant_b, admin_a, admin_b, settings):
    settings.ANALYTICS_CACHE_SECONDS = 60
    fill(tenant_a, 10)
    fill(tenant_b, 20)
    first, again = queries(admin_a), queries(admin_a)
    assert first - again == 11, "the second page reads the figures from the cache"
    with tenant_context(tenant_a.pk):
        assert dashboard.home_context({"period": "all"})["headline"]["candidates_added"] == 10
    fill(tenant_a, 5)
    with tenant_context(tenant_a.pk):
        assert dashboard.home_context({"period": "all"})["headline"]["candidates_added"] == 10, "as of the first page"
        assert dashboard.home_context({"period": "30d"})["headline"]["candidates_added"] == 15, "another period, afresh"
    with tenant_context(tenant_b.pk):
        assert dashboard.home_context({"period": "all"})["headline"]["candidates_added"] == 20, "never another company's"
    assert "Figures as of" in home(admin_a).content.decode()


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_page_has_no_inline_style_or_script(company, admin_a, admin_b, language):
    for response in (home(admin_a, language), home(admin_b, language), home(admin_a, language, period="all")):
        page = response.content.decode()
        assert "<svg" in page or 'class="chart-empty"' in page
        assert not INLINE_SCRIPT.search(page) and not INLINE_STYLE.search(page) and not INLINE_HANDLER.search(page)


def test_the_page_speaks_french_numbers_and_dates(company, viewer_a):
    response = home(viewer_a, language="fr")
    page = response.content.decode()

    assert 'lang="fr"' in page
    kpis = {item.xpath("./dt")[0].text_content().strip(): item.xpath("./dd")[0].text_content().strip()
            for item in lxml.html.fromstring(page).find_class("kpi")}
    assert "68,2" in " ".join(kpis.values()) and "3,8" in " ".join(kpis.values())
    rows = dict((band, count) for band, count in figures(chart(response, "chart-interview-scores"))[:-1])
    assert "4,5–5" in rows and "0–0,5" in rows
    assert figures(chart(response, "chart-weekly"))[-1][0] == "16 mars 2026"
    # SVG geometry is never localised: a comma in a coordinate would break the drawing.
    assert not re.search(r'(?:x|y|width|height)="\d+,\d', page)


def test_a_user_whose_language_is_french_gets_french_numbers(company, tenant_a, settings):
    """Signing in remembers the user's language in the language cookie, which wins over the browser's."""
    user = factories.UserFactory(tenant=tenant_a, role="viewer", language="fr")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = user.language

    assert "68,2" in client.get(reverse("home")).content.decode()
