"""Consent to the screening call, the proof of each decision, and how long data is kept.

A candidate's consent state is never stored: it is derived from the append-only ConsentRecord
rows (the latest decision wins, see consent.selectors). Candidate.status only mirrors it for
display.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aihm.tenancy import TenantManager, TenantOwned
from consent.calling_hours import calling_hours
from recruiting.models import InterviewLanguage

PURPOSE_CALL_CONSENT = "call_consent"


class RequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Replaced or cancelled")


class Decision(models.TextChoices):
    GRANTED = "granted", _("Granted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    WEB = "web", _("Consent page")
    RECRUITER = "recruiter", _("Recorded by a recruiter")
    PHONE = "phone", _("Phone")


class Coverage(models.TextChoices):
    """What a consent covers; the page lists the same items that the record stores."""

    AI_CALL = "ai_call", _("A screening call by an AI assistant")
    RECORDING = "recording", _("The recording of the call")
    TRANSCRIPTION = "transcription", _("The transcription of your answers")
    AI_ANALYSIS = "ai_analysis", _("An AI analysis of your answers against the position's criteria")
    TRANSFER_ABROAD = "transfer_abroad", _("The transfer of the call and your answers to our processors abroad (AI and telephony providers)")


class ConsentStatus(models.TextChoices):
    """Where a candidate stands, derived from requests and records; for display and filters."""

    NOT_REQUESTED = "not_requested", _("Not requested")
    PENDING = "pending", _("Waiting for the candidate")
    GRANTED = "granted", _("Given")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("No answer, link expired")


class ConsentRequest(TenantOwned):
    """One request to a candidate for consent to the screening call (a single purpose).

    Its links are ConsentLink rows: the first email and each reminder carry their own token.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    candidate = models.ForeignKey("recruiting.Candidate", on_delete=models.CASCADE, related_name="consent_requests")
    purpose = models.CharField(max_length=32, default=PURPOSE_CALL_CONSENT, editable=False)
    language = models.CharField(_("language"), max_length=2, choices=InterviewLanguage.choices)
    state = models.CharField(_("state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation sent at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("consent request")
        verbose_name_plural = _("consent requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "candidate", "-created_at"], name="consent_request_candidate"),
            models.Index(fields=["state", "expires_at"], name="consent_request_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(purpose=PURPOSE_CALL_CONSENT), name="consent_request_single_purpose"),
        ]

    def __str__(self):
        return f"{self.candidate_id} {self.state}"

    def is_answerable(self, now=None):
        return self.state == RequestState.PENDING and self.expires_at > (now or timezone.now())

    def opens_page(self, now=None):
        """The link still opens a page: to answer, or to see the answer given (until it expires)."""
        return self.state in (RequestState.PENDING, RequestState.ANSWERED) and self.expires_at > (now or timezone.now())


class ConsentLink(TenantOwned):
    """The token of one emailed link. Only its SHA-256 is kept, so a reminder needs a new token;
    every link of a request stays usable as long as the request is."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(ConsentRequest, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("consent link")
        verbose_name_plural = _("consent links")

    def __str__(self):
        return f"{self.request_id} {self.created_at:%Y-%m-%d}"


class ConsentNotice(TenantOwned):
    """The exact notice text a decision refers to, kept once per hash, so a record's proof can be
    shown again. It holds the company's words, never the candidate's data."""

    APPEND_ONLY = True

    text_hash = models.CharField(max_length=64)
    text_version = models.CharField(max_length=20)
    language = models.CharField(max_length=2, choices=InterviewLanguage.choices)
    html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("consent notice")
        verbose_name_plural = _("consent notices")
        constraints = [models.UniqueConstraint(fields=["tenant", "text_hash"], name="consent_notice_unique_hash")]

    def __str__(self):
        return f"{self.text_version} {self.language} {self.text_hash[:12]}"


class AppendOnly(PermissionError):
    """A consent record was about to be changed or deleted."""


class ConsentRecordQuerySet(models.QuerySet):
    # Links that Django sets to NULL when the row they point to is deleted (on_delete=SET_NULL).
    UNLINKABLE = ("candidate", "request", "recorded_by")

    def update(self, **kwargs):
        if kwargs and all(name in self.UNLINKABLE and value is None for name, value in kwargs.items()):
            return super().update(**kwargs)
        raise AppendOnly("consent records are append-only")

    def delete(self):
        raise AppendOnly("consent records are append-only")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnly("consent records are append-only")

    def scrub_personal_data(self):
        """The one change allowed, at the candidate's erasure: the decision, its time and its text
        stay as proof; who it was about and from where go."""
        return super().update(
            candidate=None, request=None, ip=None, user_agent="", note="", scrubbed_at=timezone.now(),
        )


class ConsentRecord(TenantOwned):
    """One decision: granted, declined or withdrawn. Append-only in the ORM (below) and in the
    database (the runtime role may update only SCRUBBABLE_FIELDS, see consent.apps)."""

    APPEND_ONLY = True
    # Columns the runtime role may still UPDATE: erasure's scrub, and the SET_NULL of a removed
    # candidate, request or recruiter.
    SCRUBBABLE_FIELDS = ("candidate", "request", "ip", "user_agent", "note", "recorded_by", "scrubbed_at")

    # An integer key: insertion order is the order of decisions, even within one clock tick.
    id = models.BigAutoField(primary_key=True)
    candidate = models.ForeignKey("recruiting.Candidate", on_delete=models.SET_NULL, null=True, blank=True, related_name="consent_records")
    candidate_ref = models.UUIDField(_("candidate id"), db_index=True, editable=False)
    request = models.ForeignKey(ConsentRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="records")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    covers = models.JSONField(_("covers"), default=list)
    text_version = models.CharField(_("notice version"), max_length=20)
    text_hash = models.CharField(_("notice hash (SHA-256)"), max_length=64)
    language = models.CharField(_("language"), max_length=2, choices=InterviewLanguage.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.TextField(_("how it was obtained"), max_length=1000, blank=True)
    scrubbed_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    objects = TenantManager.from_queryset(ConsentRecordQuerySet)()
    unscoped = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-id"]
        base_manager_name = "unscoped"
        indexes = [models.Index(fields=["tenant", "candidate", "-id"], name="consent_record_candidate")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.decision} ({self.channel})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("consent records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("consent records are append-only")


class CallTimePreference(TenantOwned):
    """When the candidate prefers to be called: weekday + time windows inside calling hours,
    in the candidate's time zone. Not consent itself, so it may change."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    candidate = models.OneToOneField("recruiting.Candidate", on_delete=models.CASCADE, related_name="call_time_preference")
    windows = models.JSONField(_("preferred call times"), default=list)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("preferred call times")
        verbose_name_plural = _("preferred call times")

    def __str__(self):
        return f"{self.candidate_id}: {len(self.windows)}"


class RetentionPolicy(TenantOwned):
    """How long a company keeps data: each recording (from when it was stored), each transcript
    and analysis with its report PDFs (from when it was made), and everything else after the
    candidate's last activity."""

    DEFAULT_RECORDINGS_DAYS = 183  # six months
    DEFAULT_REPORTS_MONTHS = 12
    DEFAULT_OTHER_DATA_MONTHS = 24

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recordings_days = models.PositiveSmallIntegerField(_("keep call recordings (days)"), default=DEFAULT_RECORDINGS_DAYS)
    reports_months = models.PositiveSmallIntegerField(_("keep transcripts, analyses and reports (months)"), default=DEFAULT_REPORTS_MONTHS)
    other_data_months = models.PositiveSmallIntegerField(_("keep other candidate data after the last activity (months)"), default=DEFAULT_OTHER_DATA_MONTHS)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="consent_retention_one_per_tenant"),
            models.CheckConstraint(condition=models.Q(recordings_days__gte=1, recordings_days__lte=3650), name="consent_retention_recordings_1_3650"),
            models.CheckConstraint(condition=models.Q(reports_months__gte=1, reports_months__lte=120), name="consent_retention_reports_1_120"),
            models.CheckConstraint(condition=models.Q(other_data_months__gte=1, other_data_months__lte=120), name="consent_retention_other_1_120"),
        ]

    def __str__(self):
        return f"{self.recordings_days} d / {self.reports_months} m / {self.other_data_months} m"


def default_calling_days():
    return list(calling_hours().days)


def default_calling_start():
    return calling_hours().start


def default_calling_end():
    return calling_hours().end


class CallingHoursPolicy(TenantOwned):
    """When a company's candidates may be phoned, in each candidate's local time: the days, one
    or two daily windows (a break between them), and public holidays. French numbers follow the
    French decree's hours unless the company turns that off (consent.calling_hours)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    days = models.JSONField(_("calling days"), default=default_calling_days)  # weekday numbers, 0 = Monday
    start = models.TimeField(_("calls from"), default=default_calling_start)
    end = models.TimeField(_("calls until"), default=default_calling_end)
    second_start = models.TimeField(_("after the break, calls from"), null=True, blank=True)
    second_end = models.TimeField(_("after the break, calls until"), null=True, blank=True)
    skip_public_holidays = models.BooleanField(_("no calls on public holidays"), default=True)
    french_decree_for_french_numbers = models.BooleanField(_("French numbers follow the French decree's hours"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calling hours policy")
        verbose_name_plural = _("calling hours policies")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="consent_calling_hours_one_per_tenant"),
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="consent_calling_hours_window"),
            models.CheckConstraint(
                condition=models.Q(second_start__isnull=True, second_end__isnull=True)
                | models.Q(second_start__gte=models.F("end"), second_end__gt=models.F("second_start")),
                name="consent_calling_hours_second_window",
            ),
        ]

    def __str__(self):
        return ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in self.windows)

    @property
    def windows(self):
        """The daily windows as (start, end) pairs, the second one after the break if set."""
        if self.second_start is None or self.second_end is None:
            return ((self.start, self.end),)
        return ((self.start, self.end), (self.second_start, self.second_end))


class CallbackCodePurpose(models.TextChoices):
    CONSENT_CONFIRMATION = "consent_confirmation", _("Consent confirmation")
    HEADS_UP = "heads_up", _("Text message before the call")
    SIMULATED_CALL_BACK = "simulated", _("Simulated call-back")


class CallbackCode(TenantOwned):
    """A six-digit code that, with the candidate's own number, lets them call the interview line
    back (`consent.callback_codes`). Only its keyed digest is kept; the code itself is shown or
    sent once, when it is issued."""

    id = models.BigAutoField(primary_key=True)
    candidate = models.ForeignKey("recruiting.Candidate", on_delete=models.CASCADE, related_name="callback_codes")
    digest = models.CharField(max_length=64)
    purpose = models.CharField(_("sent with"), max_length=24, choices=CallbackCodePurpose.choices)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("call-back code")
        verbose_name_plural = _("call-back codes")
        indexes = [models.Index(fields=["tenant", "candidate", "expires_at"], name="consent_callback_code_live")]

    def __str__(self):
        return f"{self.candidate_id} ({self.purpose})"
