"""Interviews: one screening call per candidate and frozen script, its dialling attempts and the
recorded answers. Every state lives in one `TextChoices`; the moves between them are in
`interviews/states.py` and nowhere else."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aihm.tenancy import TenantOwned
from recruiting.models import InterviewLanguage


class InterviewState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DIALLING = "dialling", _("Dialling")
    IN_CALL = "in_call", _("In call")
    PARTIAL = "partial", _("Interrupted, to resume")
    AWAITING_AUDIO = "awaiting_audio", _("Collecting the recordings")
    AUDIO_COMPLETE = "audio_complete", _("Recordings complete")
    CANCELLED = "cancelled", _("Cancelled")
    UNREACHABLE = "unreachable", _("Unreachable")
    DECLINED_ON_CALL = "declined_on_call", _("Declined on the call")
    FAILED = "failed", _("Failed")


# An interview in one of these holds the candidate: no second one may be scheduled beside it.
ACTIVE_STATES = (
    InterviewState.SCHEDULED, InterviewState.DIALLING, InterviewState.IN_CALL,
    InterviewState.PARTIAL, InterviewState.AWAITING_AUDIO,
)
# Waiting for the dialler: a first call, or the next attempt after a dropped or unanswered one.
DUE_STATES = (InterviewState.SCHEDULED, InterviewState.PARTIAL)


class Interview(TenantOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    candidate = models.ForeignKey("recruiting.Candidate", on_delete=models.CASCADE, related_name="interviews")
    script = models.ForeignKey("recruiting.ScriptVersion", on_delete=models.PROTECT, related_name="interviews")
    language = models.CharField(_("language of the call"), max_length=2, choices=InterviewLanguage.choices)
    state = models.CharField(_("state"), max_length=20, choices=InterviewState.choices, default=InterviewState.SCHEDULED)
    # The moment the dialler may next call (the first call, or the next attempt); None once ended.
    next_call_at = models.DateTimeField(_("next call at"), null=True, blank=True)
    # Set by the dialler when it claims the interview for a call (a conditional update).
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts_made = models.PositiveSmallIntegerField(_("attempts made"), default=0)
    # The persona answering a simulated call (the embedded telephony only); blank for a real call.
    persona = models.CharField(_("simulated persona"), max_length=32, blank=True)
    failure_reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"], condition=models.Q(state__in=ACTIVE_STATES), name="interviews_one_active_per_candidate",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_call_at"], name="interviews_due"),
            models.Index(fields=["tenant", "candidate", "-created_at"], name="interviews_of_candidate"),
        ]

    def __str__(self):
        return f"{self.candidate_id} ({self.state})"

    @property
    def is_active(self):
        return self.state in ACTIVE_STATES

    @property
    def questions(self):
        return self.script.questions


class InterviewEvent(TenantOwned):
    """One line of an interview's timeline: every state move, written in the move's transaction."""

    id = models.BigAutoField(primary_key=True)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=20, choices=InterviewState.choices)
    to_state = models.CharField(max_length=20, choices=InterviewState.choices)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interview event")
        verbose_name_plural = _("interview events")
        ordering = ["interview", "id"]
        indexes = [models.Index(fields=["tenant", "interview", "id"], name="interviews_event_timeline")]

    def __str__(self):
        return f"{self.from_state} -> {self.to_state}"


class AttemptState(models.TextChoices):
    CREATED = "created", _("Created")
    DIALLING = "dialling", _("Dialling")
    # calls.create may have reached the provider (a timeout after sending): look it up first.
    UNKNOWN = "unknown", _("Unknown: being checked")
    RINGING = "ringing", _("Ringing")
    IN_PROGRESS = "in_progress", _("In progress")
    ENDED = "ended", _("Ended")


class CallOutcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    FAILED = "failed", _("Failed")
    VOICEMAIL = "voicemail", _("Voicemail")
    DROPPED = "dropped", _("Hung up mid-interview")
    DECLINED_ON_CALL = "declined_on_call", _("Declined on the call")
    CALLBACK_REQUESTED = "callback_requested", _("Asked to be called back")


class CallDirection(models.TextChoices):
    OUTBOUND = "outbound", _("We called")
    INBOUND = "inbound", _("The candidate called back")


class CallAttempt(TenantOwned):
    """One call. An outbound attempt is created before the provider is asked, so that its id is
    in every callback URL; an inbound one once the caller's code has named the interview."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt"))
    direction = models.CharField(_("direction"), max_length=8, choices=CallDirection.choices, default=CallDirection.OUTBOUND)
    state = models.CharField(_("state"), max_length=12, choices=AttemptState.choices, default=AttemptState.CREATED)
    call_sid = models.CharField(_("provider call id"), max_length=64, blank=True)
    answered_by = models.CharField(_("answered by"), max_length=24, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallOutcome.choices, blank=True)
    # Index in the frozen script of the last question asked on this attempt (None: none yet).
    last_question_index = models.PositiveSmallIntegerField(null=True, blank=True)
    # The moment the candidate chose on the keypad for the next call ("call me back later").
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        ordering = ["interview", "number"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "number"], name="interviews_attempt_number_unique"),
            models.UniqueConstraint(fields=["call_sid"], condition=~models.Q(call_sid=""), name="interviews_attempt_call_sid_unique"),
        ]
        indexes = [models.Index(fields=["state", "started_at"], name="interviews_attempt_live")]

    def __str__(self):
        return f"{self.interview_id} #{self.number}"


class WebhookEvent(TenantOwned):
    """One provider callback taken into account: a duplicate (Twilio retries, callbacks sent
    twice) hits the unique key and changes nothing."""

    id = models.BigAutoField(primary_key=True)
    attempt = models.ForeignKey(CallAttempt, on_delete=models.CASCADE, related_name="webhook_events")
    kind = models.CharField(max_length=24)
    key = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("provider callback")
        verbose_name_plural = _("provider callbacks")
        constraints = [models.UniqueConstraint(fields=["attempt", "kind", "key"], name="interviews_webhook_event_once")]

    def __str__(self):
        return f"{self.kind} {self.key}"


class AnswerState(models.TextChoices):
    RECORDING = "recording", _("Being recorded")
    AWAITING_AUDIO = "awaiting_audio", _("Waiting for the recording")
    STORED = "stored", _("Audio stored")
    AUDIO_MISSING = "audio_missing", _("Audio missing")
    DISCARDED = "discarded", _("Discarded (question repeated)")
    SILENT = "silent", _("No answer")


class Answer(TenantOwned):
    """One recorded answer to one question of the frozen script, on one attempt."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="answers")
    attempt = models.ForeignKey(CallAttempt, on_delete=models.CASCADE, related_name="answers")
    question_index = models.PositiveSmallIntegerField(_("question"))
    # The question's id in the frozen script (recruiting.Question may since have changed or gone).
    question_id = models.CharField(max_length=36, blank=True)
    take = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(_("state"), max_length=16, choices=AnswerState.choices, default=AnswerState.RECORDING)
    recording_sid = models.CharField(_("provider recording id"), max_length=64, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    storage_key = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    stored_at = models.DateTimeField(null=True, blank=True)
    # The simulator's answer in words where no offline voice speaks the language (Arabic): the
    # recording is a short silence, and this text is what the simulated candidate "said".
    simulated_text = models.TextField(_("simulated answer (text only)"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["interview", "question_index", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question_index", "take"], name="interviews_answer_take_unique"),
            models.UniqueConstraint(fields=["recording_sid"], condition=~models.Q(recording_sid=""), name="interviews_answer_recording_unique"),
        ]
        indexes = [models.Index(fields=["tenant", "interview", "question_index"], name="interviews_answer_of_interview")]

    def __str__(self):
        return f"{self.interview_id} q{self.question_index} ({self.state})"


class CallPolicy(TenantOwned):
    """A company's rules for its calls; a company without a row gets the defaults."""

    DEFAULTS = {
        "max_attempts": 3, "retry_after_minutes": 120, "busy_retry_after_minutes": 20,
        "call_time_limit_minutes": 15, "answer_silence_seconds": 6, "max_simultaneous_calls": 5,
        "voicemail_message": False, "heads_up_sms": False, "heads_up_minutes": 10,
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    max_attempts = models.PositiveSmallIntegerField(_("attempts before unreachable"), default=DEFAULTS["max_attempts"])
    retry_after_minutes = models.PositiveSmallIntegerField(_("minutes between attempts"), default=DEFAULTS["retry_after_minutes"])
    busy_retry_after_minutes = models.PositiveSmallIntegerField(_("minutes before calling a busy line again"), default=DEFAULTS["busy_retry_after_minutes"])
    call_time_limit_minutes = models.PositiveSmallIntegerField(_("longest call (minutes)"), default=DEFAULTS["call_time_limit_minutes"])
    answer_silence_seconds = models.PositiveSmallIntegerField(_("seconds of silence that end an answer"), default=DEFAULTS["answer_silence_seconds"])
    max_simultaneous_calls = models.PositiveSmallIntegerField(_("simultaneous calls"), default=DEFAULTS["max_simultaneous_calls"])
    voicemail_message = models.BooleanField(_("leave a short message on voicemail"), default=DEFAULTS["voicemail_message"])
    heads_up_sms = models.BooleanField(_("send a text message before each scheduled call"), default=DEFAULTS["heads_up_sms"])
    heads_up_minutes = models.PositiveSmallIntegerField(_("minutes before the call"), default=DEFAULTS["heads_up_minutes"])
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("call policy")
        verbose_name_plural = _("call policies")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="interviews_call_policy_one_per_tenant"),
            models.CheckConstraint(condition=models.Q(max_attempts__gte=1, max_attempts__lte=10), name="interviews_policy_attempts_1_10"),
            models.CheckConstraint(condition=models.Q(retry_after_minutes__gte=10), name="interviews_policy_retry_10"),
            models.CheckConstraint(condition=models.Q(call_time_limit_minutes__gte=3, call_time_limit_minutes__lte=60), name="interviews_policy_limit_3_60"),
            models.CheckConstraint(condition=models.Q(answer_silence_seconds__gte=2, answer_silence_seconds__lte=30), name="interviews_policy_silence_2_30"),
            models.CheckConstraint(condition=models.Q(max_simultaneous_calls__gte=1, max_simultaneous_calls__lte=100), name="interviews_policy_calls_1_100"),
            models.CheckConstraint(condition=models.Q(heads_up_minutes__gte=2, heads_up_minutes__lte=120), name="interviews_policy_heads_up_2_120"),
        ]

    def __str__(self):
        return f"{self.max_attempts} attempts"


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")
    FAILED = "failed", _("Failed")


class HeadsUp(TenantOwned):
    """The text message sent a few minutes before one scheduled call: the company's name and a
    call-back code, nothing else. One per interview and call time (a rescheduled call gets its own)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="heads_ups")
    call_at = models.DateTimeField(_("for the call at"))
    state = models.CharField(_("state"), max_length=12, choices=MessageState.choices, default=MessageState.QUEUED)
    message_sid = models.CharField(_("provider message id"), max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("text message before the call")
        verbose_name_plural = _("text messages before the call")
        ordering = ["interview", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "call_at"], name="interviews_heads_up_once_per_call"),
            models.UniqueConstraint(fields=["message_sid"], condition=~models.Q(message_sid=""), name="interviews_heads_up_sid_unique"),
        ]

    def __str__(self):
        return f"{self.interview_id} {self.call_at:%Y-%m-%d %H:%M} ({self.state})"


class TranscriptState(models.TextChoices):
    PENDING = "pending", _("pending")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class TranscriptQuality(models.TextChoices):
    GOOD = "good", _("good")
    POOR = "poor", _("poor")
    EMPTY = "empty", _("empty")


class Transcript(TenantOwned):
    """What one answer said, by Whisper (or the simulator's words for a language no offline voice
    speaks); the audio stays stored whatever happens here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="transcript")
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="transcripts")
    state = models.CharField(_("state"), max_length=12, choices=TranscriptState.choices, default=TranscriptState.PENDING)
    text = models.TextField(_("transcript"), blank=True)
    segments = models.JSONField(default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    language_probability = models.FloatField(null=True, blank=True)
    avg_logprob = models.FloatField(null=True, blank=True)
    no_speech_prob = models.FloatField(null=True, blank=True)
    speech_seconds = models.FloatField(_("speech (s)"), null=True, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    quality = models.CharField(_("quality"), max_length=8, choices=TranscriptQuality.choices, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("transcript")
        verbose_name_plural = _("transcripts")

    def __str__(self):
        return f"{self.answer_id}: {self.state}"


class AnalysisState(models.TextChoices):
    PENDING = "pending", _("being analysed")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Recommendation(models.TextChoices):
    ADVANCE = "advance", _("Advance")
    HOLD = "hold", _("Hold")
    DO_NOT_ADVANCE = "do_not_advance", _("Do not advance")
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("Insufficient evidence")


class InterviewAnalysis(TenantOwned):
    """One analysis of an interview's transcripts against the script's rubrics: advisory only. A
    re-analysis is a new version; the earlier ones stay. Its provenance says what produced it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="analyses")
    version = models.PositiveSmallIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=12, choices=AnalysisState.choices, default=AnalysisState.PENDING)
    output = models.JSONField(default=dict, blank=True)
    recommendation = models.CharField(_("recommendation"), max_length=24, choices=Recommendation.choices, blank=True)
    overall_score = models.FloatField(_("interview score"), null=True, blank=True)
    # Why code gave "insufficient evidence" without asking any provider ("" when it did not).
    gate_reason = models.CharField(_("why there is not enough to assess"), max_length=300, blank=True)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    prompt_version = models.CharField(_("prompt version"), max_length=40, blank=True)
    script_version = models.PositiveIntegerField(_("script version"), null=True, blank=True)
    transcription = models.JSONField(_("transcription model and settings"), default=dict, blank=True)
    usage = models.JSONField(default=dict, blank=True)
    # Points dropped because they touched a protected characteristic.
    dropped = models.PositiveSmallIntegerField(_("points dropped"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When its task was last queued (the sweeper queues a pending one again after a while).
    queued_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The report's PDF of this version, made once and stored (the storage key), by language.
    pdf_files = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("interview analysis")
        verbose_name_plural = _("interview analyses")
        ordering = ["interview", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "version"], name="interviews_analysis_version_unique"),
            # At most one analysis being made per interview at a time.
            models.UniqueConstraint(fields=["interview"], condition=models.Q(state="pending"), name="interviews_analysis_one_pending"),
        ]
        indexes = [models.Index(fields=["tenant", "interview", "-version"], name="interviews_analysis_latest")]

    def __str__(self):
        return f"{self.interview_id} v{self.version} ({self.state})"

    @property
    def is_offline(self):
        return self.provider == "offline"
