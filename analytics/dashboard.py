"""The dashboard home's charts: the period a recruiter picks, the figures of analytics.selectors
for it, and each chart's geometry, computed here so that the templates only draw (server-side
SVG, no script, no inline style: the CSP allows neither). Every chart carries a sentence that
says what it shows, for its `aria-label`, and its rows, for the table of figures beside it."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aihm.tenancy import current_tenant_id
from analytics import selectors
from analytics.filters import CandidateFilter
from recruiting.models import Candidate


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    days: int | None  # None: all time


PERIODS = (
    Period("30d", gettext_lazy("Last 30 days"), 30),
    Period("90d", gettext_lazy("Last 90 days"), 90),
    Period("12m", gettext_lazy("Last 12 months"), 365),
    Period("all", gettext_lazy("All time"), None),
)
DEFAULT_PERIOD = PERIODS[1]
WEEKS = 12


def period_from(query):
    """The period a GET parameter names (`period`); anything else is the default."""
    wanted = query.get("period")
    return next((period for period in PERIODS if period.key == wanted), DEFAULT_PERIOD)


def candidates_in(period, *, today=None):
    """The candidates added in `period` (today included), by the same filter as the API's `from`."""
    candidates = Candidate.objects.all()
    if period.days is None:
        return candidates
    first_day = (today or timezone.localdate()) - timedelta(days=period.days - 1)
    return CandidateFilter({"from": first_day.isoformat()}, queryset=candidates).qs


# --- Geometry ---------------------------------------------------------------------------------
# Charts are drawn in a viewBox WIDTH units wide and scaled to the card's width (CSS width 100%),
# so a unit is about 0.8 px on a phone and 1.3 px on a desktop.

WIDTH = 400


def _number(value):
    """`value` in the current language: 0,5 in French, 0.5 in English; a whole number without decimals."""
    return formats.number_format(int(value) if float(value).is_integer() else value)


def _percent(rate):
    return None if rate is None else rate * 100


def _nice_ceiling(value):
    """The smallest of 1, 2, 5 times a power of ten at least `value` (at least 1): an axis's top."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _summary(title, parts):
    return _("%(title)s: %(figures)s.") % {"title": title, "figures": _("; ").join(parts)}


def column_chart(bands, *, label_of, height=220):
    """Vertical bars, one per band, with the band's count above and the bands' bounds below."""
    left, right, top, bottom = 14, WIDTH - 14, 22, height - 30
    slot = (right - left) / len(bands)
    bar_width = slot * 0.72
    highest = max((band["count"] for band in bands), default=0)
    bars, ticks = [], []
    for index, band in enumerate(bands):
        bar_height = (bottom - top) * band["count"] / highest if highest else 0
        x = left + index * slot + (slot - bar_width) / 2
        bars.append({
            **band, "range": _("%(low)s–%(high)s") % {"low": label_of(band["low"]), "high": label_of(band["high"])},
            "x": round(x, 1), "y": round(bottom - bar_height, 1), "width": round(bar_width, 1),
            "height": round(bar_height, 1), "label_x": round(x + bar_width / 2, 1), "label_y": round(bottom - bar_height - 5, 1),
        })
        ticks.append({"x": round(left + index * slot, 1), "label": label_of(band["low"])})
    ticks.append({"x": right, "label": label_of(bands[-1]["high"])})
    return {"width": WIDTH, "height": height, "bars": bars, "ticks": ticks, "axis_y": bottom, "tick_y": bottom + 18,
            "left": left, "right": right, "total": sum(band["count"] for band in bands)}


def row_chart(rows, *, row_height=38):
    """Horizontal bars, one per row, the row's label above its bar and its figures at the end."""
    highest = max((row["count"] for row in rows), default=0)
    drawn = []
    for index, row in enumerate(rows):
        top = index * row_height
        drawn.append({
            **row, "text_y": top + 14, "bar_y": top + 20, "bar_height": 12,
            "bar_width": round(WIDTH * row["count"] / highest, 1) if highest else 0,
        })
    return {"width": WIDTH, "height": len(rows) * row_height, "rows": drawn}


# --- The charts -------------------------------------------------------------------------------


def funnel_chart(pipeline):
    steps = pipeline["funnel"]
    rows = []
    for index, step in enumerate(steps):
        from_previous = steps[index - 1]["conversion_to_next"] if index else None
        rows.append({"label": step["label"], "count": step["reached"], "from_previous": _percent(from_previous),
                     "to_next": _percent(step["conversion_to_next"])})
    title = _("Funnel")
    return {
        **row_chart(rows), "id": "funnel", "empty": pipeline["total"] == 0,
        "summary": _summary(title, [_("%(step)s %(count)s") % {"step": row["label"], "count": row["count"]} for row in rows]),
    }


def cv_scores_chart(bands):
    chart = column_chart(bands, label_of=_number)
    title = _("CV scores")
    return {**chart, "id": "cv-scores", "empty": chart["total"] == 0,
            "summary": _summary(title, [_("%(range)s: %(count)s") % bar for bar in chart["bars"]])}


def interview_scores_chart(histogram):
    chart = column_chart(histogram["bands"], label_of=_number)
    title = _("Interview scores")
    parts = [_("%(range)s: %(count)s") % bar for bar in chart["bars"]]
    if histogram["unscored"]:
        parts.append(_("insufficient evidence: %(count)s") % {"count": histogram["unscored"]})
    return {**chart, "id": "interview-scores", "unscored": histogram["unscored"],
            "empty": chart["total"] == 0 and not histogram["unscored"], "summary": _summary(title, parts)}


SERIES = (
    ("added", gettext_lazy("Candidates added")),
    ("interviewed", gettext_lazy("Interviews completed")),
    ("reported", gettext_lazy("Reports ready")),
)


def weekly_chart(weeks, *, height=220):
    """Three bars a week (one per series), a labelled grid line at the top of the axis and at its
    middle, every other week's date below (this week's among them)."""
    left, right, top, bottom = 30, WIDTH - 4, 16, height - 30
    top_value = _nice_ceiling(max((week[key] for week in weeks for key, _label in SERIES), default=0))
    slot = (right - left) / len(weeks)
    bar_width, gap = 7, 1
    group = len(SERIES) * bar_width + (len(SERIES) - 1) * gap
    groups = []
    for index, week in enumerate(weeks):
        start = left + index * slot + (slot - group) / 2
        bars = []
        for number, (key, _label) in enumerate(SERIES):
            bar_height = (bottom - top) * week[key] / top_value
            bars.append({"series": key, "value": week[key], "x": round(start + number * (bar_width + gap), 1),
                         "y": round(bottom - bar_height, 1), "width": bar_width, "height": round(bar_height, 1)})
        groups.append({**week, "bars": bars, "label_x": round(left + index * slot + slot / 2, 1),
                       "labelled": (len(weeks) - 1 - index) % 2 == 0})
    grid = [{"value": top_value, "y": top}]
    if top_value % 2 == 0:
        grid.append({"value": top_value // 2, "y": round((top + bottom) / 2, 1)})
    parts = [
        _("week of %(day)s: %(added)s added, %(interviewed)s interviewed, %(reported)s reported") % {
            **week, "day": formats.date_format(week["week"], "j F")}
        for week in weeks
    ]
    return {
        "id": "weekly", "width": WIDTH, "height": height, "groups": groups, "grid": grid, "left": left, "right": right,
        "axis_y": bottom, "tick_y": bottom + 18, "series": [{"key": key, "label": label} for key, label in SERIES],
        "empty": not any(week[key] for week in weeks for key, _label in SERIES),
        "summary": _summary(_("Activity over the last %(weeks)s weeks") % {"weeks": len(weeks)}, parts),
    }


def calls_chart(outcomes):
    rows = [{"label": row["label"], "count": row["count"], "outcome": row["outcome"]} for row in outcomes]
    total = sum(row["count"] for row in rows)
    return {
        **row_chart(rows), "id": "calls", "empty": total == 0, "total": total,
        "summary": _summary(_("Calls by outcome"), [_("%(label)s: %(count)s") % row for row in rows]),
    }


def headline(overview):
    """The overview's figures a recruiter reads first; rates as percentages, the median time to a
    report in minutes under an hour, in hours under two days, in days above."""
    seconds = overview["median_seconds_to_report"]
    hours = None if seconds is None else seconds / 3600
    return {
        "candidates_added": overview["candidates"]["added"],
        "consent_rate": _percent(overview["consent"]["rate"]),
        "consent_asked": overview["consent"]["asked"],
        "answer_rate": _percent(overview["calls"]["answer_rate"]),
        "call_attempts": overview["calls"]["attempts"],
        "interviews_completed": overview["interviews_completed"],
        "average_cv_score": overview["average_cv_score"],
        "average_interview_score": overview["average_interview_score"],
        "report_minutes": hours * 60 if hours is not None and hours < 1 else None,
        "report_hours": hours if hours is not None and 1 <= hours < 48 else None,
        "report_days": hours / 24 if hours is not None and hours >= 48 else None,
        "ai_agreement_rate": _percent(overview["ai_agreement"]["rate"]),
        "ai_compared": overview["ai_agreement"]["compared"],
    }


def home_context(query, *, now=None):
    """Everything the home page's analytics need, for the period `query` asks for: the overview's
    four queries, the pipeline's one, one per score histogram, three for the weekly activity and
    one for the calls, whatever the number of rows."""
    period = period_from(query)
    figures = company_figures(period, now=now)
    return {
        "period": period,
        "periods": PERIODS,
        "interview_scale_max": selectors.SCALE_MAX,
        "figures_at": figures["at"],
        "headline": headline(figures["overview"]),
        "funnel_chart": funnel_chart(figures["pipeline"]),
        "cv_scores_chart": cv_scores_chart(figures["cv_scores"]),
        "interview_scores_chart": interview_scores_chart(figures["interview_scores"]),
        "weekly_chart": weekly_chart(figures["weekly"]),
        "calls_chart": calls_chart(figures["calls"]),
    }


def company_figures(period, *, now=None):
    """The active company's figures for `period`, kept ANALYTICS_CACHE_SECONDS in the cache (per
    company and period): the home page is every recruiter's first page, and its figures read every
    candidate of the company. `now` (a test's clock) always computes afresh."""
    seconds = settings.ANALYTICS_CACHE_SECONDS
    key = f"aihm:analytics:home:{current_tenant_id()}:{period.key}:{timezone.localdate()}"
    if seconds and now is None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    candidates = candidates_in(period, today=timezone.localdate(now) if now else None)
    figures = {
        "at": now or timezone.now(),
        "overview": selectors.overview(candidates),
        "pipeline": selectors.pipeline(candidates),
        "cv_scores": selectors.cv_score_histogram(candidates),
        "interview_scores": selectors.interview_score_histogram(candidates),
        "weekly": selectors.weekly_activity(weeks=WEEKS, now=now),
        "calls": selectors.calls_by_outcome(candidates),
    }
    if seconds and now is None:
        cache.set(key, figures, seconds)
    return figures
