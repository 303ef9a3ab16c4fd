"""Reads about consent. A candidate's consent state is derived here from the records (the latest
decision wins) and the latest request; it is never stored anywhere as the truth."""

from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.utils import timezone

from consent.calling_hours import WEEKDAY_NAMES
from consent.models import (
    CallingHoursPolicy,
    CallTimePreference,
    ConsentRecord,
    ConsentRequest,
    ConsentStatus,
    Decision,
    RequestState,
    RetentionPolicy,
)
from consent.notice import required_covers
from recruiting.models import Candidate
from recruiting.panels import remember, shared_read

STATUS_BADGES = {
    ConsentStatus.NOT_REQUESTED: "",
    ConsentStatus.PENDING: "badge-info",
    ConsentStatus.GRANTED: "badge-success",
    ConsentStatus.DECLINED: "badge-danger",
    ConsentStatus.WITHDRAWN: "badge-danger",
    ConsentStatus.EXPIRED: "badge-warning",
}


def retention_policy():
    """The active tenant's policy, or the defaults (unsaved) when the company never changed it."""
    return RetentionPolicy.objects.first() or RetentionPolicy()


# The candidate page's panels share these reads (recruiting.panels.shared_read).
LATEST_RECORD = "consent.latest_record"
PREFERRED_WINDOWS = "consent.preferred_windows"


def calling_hours_policy():
    """The active tenant's calling hours, or the defaults (unsaved) when the company never set them."""
    return CallingHoursPolicy.objects.first() or CallingHoursPolicy()


def latest_record(candidate):
    return shared_read(candidate, LATEST_RECORD, lambda: ConsentRecord.objects.filter(candidate=candidate).order_by("-id").first())


def _requests_latest_first():
    """A pending request is always the latest one: sending a request or recording a decision
    closes every other pending request of the candidate."""
    pending_first = Case(When(state=RequestState.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
    return ConsentRequest.objects.order_by(pending_first, "-created_at")


def latest_request(candidate):
    return _requests_latest_first().filter(candidate=candidate).first()


def derive_status(*, decision, decided_at, request_state, request_expires_at, request_created_at, now=None):
    """The one rule turning the latest decision and the latest request into a consent state."""
    now = now or timezone.now()
    if request_state == RequestState.PENDING and request_expires_at > now:
        return ConsentStatus.PENDING
    request_expired = request_state == RequestState.EXPIRED or (request_state == RequestState.PENDING and request_expires_at <= now)
    if request_expired and (decided_at is None or decided_at < request_created_at):
        return ConsentStatus.EXPIRED
    if decision:
        return ConsentStatus(decision)
    return ConsentStatus.NOT_REQUESTED


_UNREAD = object()


def consent_status(candidate, *, record=_UNREAD, request=_UNREAD):
    """The candidate's consent state; a caller that already read the latest record or request
    (None when there is none) passes it, so that it is not read again."""
    record = latest_record(candidate) if record is _UNREAD else record
    request = latest_request(candidate) if request is _UNREAD else request
    return derive_status(
        decision=record.decision if record else None,
        decided_at=record.created_at if record else None,
        request_state=request.state if request else None,
        request_expires_at=request.expires_at if request else None,
        request_created_at=request.created_at if request else None,
    )


def standing_grant(candidate):
    """The grant in force (latest decision is a grant), or None."""
    record = latest_record(candidate)
    return record if record is not None and record.decision == Decision.GRANTED else None


def preferred_windows(candidate):
    def read():
        preference = CallTimePreference.objects.filter(candidate=candidate).first()
        return preference.windows if preference else []

    return shared_read(candidate, PREFERRED_WINDOWS, read)


def describe_windows(windows):
    return [{**window, "day_name": WEEKDAY_NAMES[int(window["weekday"])]} for window in windows]


def consent_panel(candidate, user):
    """Context for `consent/_candidate_panel.html`, under one key so it cannot clobber the
    including page's context: `context.update(consent_panel(candidate, request.user))`."""
    records = list(ConsentRecord.objects.filter(candidate=candidate).select_related("recorded_by").order_by("-id")[:20])
    record = records[0] if records else None  # the latest decision, as latest_record() reads it
    remember(candidate, LATEST_RECORD, record)
    request = latest_request(candidate)
    status = consent_status(candidate, record=record, request=request)
    missing_covers = sorted(set(required_covers()) - set(record.covers)) if status == ConsentStatus.GRANTED else []
    can_write = user.can_write
    return {
        "candidate": candidate,
        "consent": {
            "status": status,
            "status_label": status.label,
            "badge": STATUS_BADGES[status],
            "request": request,
            "records": records,
            "preferred_times": describe_windows(preferred_windows(candidate)),
            "missing_covers": missing_covers,
            "has_email": bool(candidate.email),
            "can_send_request": can_write and status != ConsentStatus.GRANTED and bool(candidate.email),
            "can_record": can_write and status != ConsentStatus.GRANTED,
            "can_withdraw": can_write and status == ConsentStatus.GRANTED,
            "can_export": can_write,
        },
    }


def consent_overview(position):
    """Each candidate of a position with where they stand on consent, in one query."""
    records = ConsentRecord.objects.filter(candidate=OuterRef("pk")).order_by("-id")
    requests = _requests_latest_first().filter(candidate=OuterRef("pk"))
    candidates = (
        Candidate.objects.filter(position=position)
        .annotate(
            consent_decision=Subquery(records.values("decision")[:1]),
            consent_decided_at=Subquery(records.values("created_at")[:1]),
            consent_channel=Subquery(records.values("channel")[:1]),
            request_state=Subquery(requests.values("state")[:1]),
            request_expires_at=Subquery(requests.values("expires_at")[:1]),
            request_created_at=Subquery(requests.values("created_at")[:1]),
            request_sent_at=Subquery(requests.values("sent_at")[:1]),
            request_reminders=Subquery(requests.values("reminders_sent")[:1]),
        )
        .order_by("full_name")
    )
    now = timezone.now()
    rows = []
    for candidate in candidates:
        status = derive_status(
            decision=candidate.consent_decision, decided_at=candidate.consent_decided_at,
            request_state=candidate.request_state, request_expires_at=candidate.request_expires_at,
            request_created_at=candidate.request_created_at, now=now,
        )
        rows.append({"candidate": candidate, "status": status, "badge": STATUS_BADGES[status]})
    return rows
