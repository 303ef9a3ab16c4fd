import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from aihm.tenancy import TenantOwned


class PositionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class InterviewLanguage(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")
    ARABIC = "ar", _("Arabic")


def call_languages_problem(codes):
    """Why a list of call languages cannot be stored, as a readable sentence, or None: a list of
    known language codes, each once (the position's own may be left out: it is always offered)."""
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        return _("Give the call languages as a list of language codes (fr, en, ar).")
    unknown = [code for code in codes if code not in InterviewLanguage.values]
    if unknown:
        return _("Unknown call language « %(code)s »: the languages are fr (French), en (English) and ar (Arabic).") % {
            "code": unknown[0]}
    repeated = [code for index, code in enumerate(codes) if code in codes[:index]]
    if repeated:
        return _("%(language)s is listed twice in the call languages: list each language once.") % {
            "language": InterviewLanguage(repeated[0]).label}
    return None


class ContractType(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    FIXED_TERM = "fixed_term", _("Fixed term")
    FREELANCE = "freelance", _("Freelance")
    INTERNSHIP = "internship", _("Internship")
    APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
    OTHER = "other", _("Other")


class Position(TenantOwned):
    """A job opening, its requirements and its screening script."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=20000, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    must_haves = models.JSONField(_("must-haves"), default=list, blank=True)
    nice_to_haves = models.JSONField(_("nice-to-haves"), default=list, blank=True)
    min_years_experience = models.PositiveSmallIntegerField(_("years of experience"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    contract_type = models.CharField(_("contract type"), max_length=20, choices=ContractType.choices, default=ContractType.PERMANENT)
    language = models.CharField(_("interview language"), max_length=2, choices=InterviewLanguage.choices, default=InterviewLanguage.FRENCH)
    # The languages the candidate may choose from the keypad menu, in menu order; empty: its own only.
    call_languages = models.JSONField(_("call languages"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PositionStatus.choices, default=PositionStatus.DRAFT)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "status"], name="recruiting_position_status"),
            models.Index(fields=["tenant", "-created_at"], name="recruiting_position_recent"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.call_languages is None:  # an emptied admin field
            self.call_languages = []
        problem = call_languages_problem(self.call_languages)
        if problem:
            raise ValidationError({"call_languages": problem})

    @property
    def offered_languages(self):
        """The languages the call may be held in, in menu order: its own language first, then the
        other call languages, each once."""
        others = [code for code in self.call_languages or [] if code != self.language]
        return list(dict.fromkeys([self.language, *others]))

    @property
    def other_languages(self):
        """The offered languages besides its own: each question needs a translation in these."""
        return self.offered_languages[1:]

    @property
    def offered_language_labels(self):
        return [InterviewLanguage(code).label for code in self.offered_languages]

    @property
    def requirements(self):
        return {
            "skills": self.skills,
            "must_haves": self.must_haves,
            "nice_to_haves": self.nice_to_haves,
            "min_years_experience": self.min_years_experience,
        }


class Question(TenantOwned):
    """One question of a position's editable script; frozen copies live in ScriptVersion."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=500)
    good_answer = models.TextField(_("what a good answer shows"), max_length=2000, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    max_answer_seconds = models.PositiveSmallIntegerField(_("maximum answer length (seconds)"), default=90)
    # The question in the position's other offered languages, {language: text}; `text` is in its own.
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    drafted_by_ai = models.BooleanField(_("drafted by the AI"), default=False)
    protected_topics = models.JSONField(_("protected topics flagged"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "order", "created_at"]
        indexes = [models.Index(fields=["tenant", "position", "order"], name="recruiting_question_order")]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=1, weight__lte=5), name="recruiting_question_weight_1_5"),
            models.CheckConstraint(
                condition=models.Q(max_answer_seconds__gte=15, max_answer_seconds__lte=300),
                name="recruiting_question_answer_15_300s",
            ),
        ]

    def __str__(self):
        return self.text


class ScriptVersion(TenantOwned):
    """A frozen, numbered copy of a position's questions; interviews keep the version they used."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="script_versions")
    number = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("interview language"), max_length=2, choices=InterviewLanguage.choices)
    # Every language the script can be asked in, its own first (recruiting.scripts reads old versions without it).
    languages = models.JSONField(_("languages"), default=list, blank=True)
    questions = models.JSONField(_("questions"))
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("frozen at"), auto_now_add=True)

    class Meta:
        verbose_name = _("script version")
        verbose_name_plural = _("script versions")
        ordering = ["position", "-number"]
        constraints = [models.UniqueConstraint(fields=["position", "number"], name="recruiting_script_version_unique")]

    def __str__(self):
        return f"{self.position_id} v{self.number}"


class PipelineStatus(models.TextChoices):
    """Where a candidate stands; the one vocabulary used by every view, API and chart."""

    NEW = "new", _("New")
    CV_SCORED = "cv_scored", _("CV scored")
    CONSENT_PENDING = "consent_pending", _("Consent pending")
    CONSENT_GIVEN = "consent_given", _("Consent given")
    CONSENT_DECLINED = "consent_declined", _("Consent declined")
    INTERVIEW_SCHEDULED = "interview_scheduled", _("Interview scheduled")
    INTERVIEW_IN_PROGRESS = "interview_in_progress", _("Interview in progress")
    INTERVIEW_DONE = "interview_done", _("Interview done")
    REPORT_READY = "report_ready", _("Report ready")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    REJECTED = "rejected", _("Rejected")
    HIRED = "hired", _("Hired")


DECISIONS = (PipelineStatus.SHORTLISTED, PipelineStatus.REJECTED, PipelineStatus.HIRED)
# A recorded decision that leaves the candidate's status where it is: "not yet, wait".
ON_HOLD = "on_hold"


class DecisionChoice(models.TextChoices):
    SHORTLISTED = PipelineStatus.SHORTLISTED.value, _("Shortlisted")
    REJECTED = PipelineStatus.REJECTED.value, _("Rejected")
    HIRED = PipelineStatus.HIRED.value, _("Hired")
    ON_HOLD = ON_HOLD, _("On hold")


class ScoringStatus(models.TextChoices):
    NO_CV = "no_cv", _("No CV")
    QUEUED = "queued", _("Queued")
    SCORING = "scoring", _("Scoring")
    SCORED = "scored", _("Scored")
    NO_TEXT = "no_text", _("No text in the CV")
    FAILED = "failed", _("Scoring failed")


class CandidateSource(models.TextChoices):
    DASHBOARD = "dashboard", _("Dashboard")
    CSV = "csv", _("CSV import")
    API = "api", _("API")
    SEED = "seed", _("Demo data")


def cv_storage_key(candidate, filename):
    """Tenant-prefixed, unguessable: nothing of the candidate's name or the upload's name."""
    extension = {"application/pdf": "pdf", "text/plain": "txt"}.get(candidate.cv_content_type, "docx")
    return f"tenants/{candidate.tenant_id}/cvs/{secrets.token_urlsafe(24)}.{extension}"


class ConsentState(models.TextChoices):
    """The candidate's latest consent decision, mirrored from the consent app's records (which
    stay the proof) so that the lists filter on it."""

    NONE = "", _("No decision yet")
    GRANTED = "granted", _("Consent given")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Candidate(TenantOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="candidates")
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164, for example +212612345678"))
    timezone = models.CharField(_("time zone"), max_length=64)
    source = models.CharField(_("source"), max_length=16, choices=CandidateSource.choices, default=CandidateSource.DASHBOARD)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=PipelineStatus.choices, default=PipelineStatus.NEW)

    cv_file = models.FileField(_("CV"), upload_to=cv_storage_key, max_length=255, blank=True)
    cv_filename = models.CharField(_("CV file name"), max_length=255, blank=True)
    cv_content_type = models.CharField(max_length=100, blank=True)
    cv_size = models.PositiveIntegerField(null=True, blank=True)
    cv_text = models.TextField(_("CV text"), blank=True)

    scoring_status = models.CharField(_("CV scoring"), max_length=10, choices=ScoringStatus.choices, default=ScoringStatus.NO_CV)
    scoring_error = models.CharField(_("scoring failure"), max_length=500, blank=True)
    scoring_claimed_at = models.DateTimeField(null=True, blank=True)
    cv_score = models.PositiveSmallIntegerField(_("CV score"), null=True, blank=True)
    cv_score_details = models.JSONField(_("CV score details"), default=dict, blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    # Mirrors for the lists' sorting and filters, kept by the services that own the facts: the
    # overall score of the latest analysis of the candidate's interviews and when the first of
    # them was done (interviews.pipeline), the latest consent decision (consent.services).
    interview_score = models.FloatField(_("interview score"), null=True, blank=True)
    first_report_at = models.DateTimeField(_("first report ready at"), null=True, blank=True)
    consent_state = models.CharField(_("consent"), max_length=10, choices=ConsentState.choices, blank=True, default=ConsentState.NONE)

    # The latest decision a person recorded (CandidateDecision keeps them all), by whom and when,
    # kept by recruiting.services.record_decision; "on hold" is one that leaves the status alone.
    decision = models.CharField(_("decision"), max_length=20, choices=DecisionChoice.choices, blank=True, default="")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["-created_at"]
        _in_tenant, _in_position = [models.F("tenant")], [models.F("tenant"), models.F("position")]
        _ties = [models.F("created_at").desc(), models.F("id").desc()]
        _score, _name, _interview = models.F("cv_score"), Lower("full_name"), models.F("interview_score")
        # The SQL of recruiting.selectors._PIPELINE_RANK, which the status orders sort by.
        _pipeline_rank = models.Case(
            *(models.When(status=value, then=models.Value(rank)) for rank, value in enumerate(PipelineStatus.values)),
            default=models.Value(len(PipelineStatus.values)), output_field=models.IntegerField(),
        )
        indexes = [
            models.Index(fields=["tenant", "position", "status"], name="recruiting_candidate_status"),
            models.Index(fields=["tenant", "email"], name="recruiting_candidate_email"),
            models.Index(fields=["tenant", "phone"], name="recruiting_candidate_phone"),
            models.Index(fields=["scoring_status", "scoring_claimed_at"], name="recruiting_candidate_scoring"),
            # One per order of recruiting.selectors.CANDIDATE_ORDERINGS (ties newest first, then by
            # id), within a position and within the company, so a page of a list is read from an
            # index instead of sorting every candidate (tests/test_list_indexes.py proves it).
            # Best score first needs `cv_score DESC NULLS LAST`, which SQLite refuses in an index:
            # those two are PostgreSQL's only, made outside the model state by migration 0003.
            models.Index(*_in_position, _score.asc(), *_ties, name="recruiting_cand_pos_score_asc"),
            models.Index(*_in_position, _name.asc(), *_ties, name="recruiting_cand_pos_name_asc"),
            models.Index(*_in_position, _name.desc(), *_ties, name="recruiting_cand_pos_name_desc"),
            models.Index(*_in_position, _pipeline_rank.asc(), *_ties, name="recruiting_cand_pos_stage_asc"),
            models.Index(*_in_position, _pipeline_rank.desc(), *_ties, name="recruiting_cand_pos_stage_desc"),
            models.Index(*_in_position, *_ties, name="recruiting_cand_pos_newest"),
            models.Index(*_in_position, models.F("created_at").asc(), models.F("id").desc(), name="recruiting_cand_pos_oldest"),
            models.Index(*_in_tenant, _score.asc(), *_ties, name="recruiting_cand_score_asc"),
            models.Index(*_in_tenant, _name.asc(), *_ties, name="recruiting_cand_name_asc"),
            models.Index(*_in_tenant, _name.desc(), *_ties, name="recruiting_cand_name_desc"),
            models.Index(*_in_tenant, _pipeline_rank.asc(), *_ties, name="recruiting_cand_stage_asc"),
            models.Index(*_in_tenant, _pipeline_rank.desc(), *_ties, name="recruiting_cand_stage_desc"),
            models.Index(*_in_tenant, *_ties, name="recruiting_cand_newest"),
            models.Index(*_in_tenant, models.F("created_at").asc(), models.F("id").desc(), name="recruiting_cand_oldest"),
            # Best interview score first is PostgreSQL's only too (migration 0007).
            models.Index(*_in_position, _interview.asc(), *_ties, name="recruiting_cand_pos_itv_asc"),
            models.Index(*_in_tenant, _interview.asc(), *_ties, name="recruiting_cand_itv_asc"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cv_score__isnull=True) | models.Q(cv_score__gte=0, cv_score__lte=100),
                name="recruiting_candidate_score_0_100",
            ),
            models.CheckConstraint(
                condition=models.Q(interview_score__isnull=True) | models.Q(interview_score__gte=0, interview_score__lte=5),
                name="recruiting_candidate_interview_score_0_5",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def score_provider(self):
        """Who scored the CV ("offline" for the built-in heuristics): from the lists' annotation,
        which leaves the score's evidence in the database, or from the details."""
        if "listed_score_provider" in self.__dict__:
            return self.listed_score_provider
        return (self.cv_score_details or {}).get("provider")


class CandidateDecision(TenantOwned):
    """Each decision a person recorded on a candidate, with its comment; the latest stands, the
    earlier ones stay. The AI never writes one."""

    id = models.BigAutoField(primary_key=True)
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(_("decision"), max_length=20, choices=DecisionChoice.choices)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["candidate", "-id"]
        indexes = [models.Index(fields=["tenant", "candidate", "-id"], name="recruiting_decision_history")]

    def __str__(self):
        return f"{self.candidate_id} {self.decision}"


class NotificationKind(models.TextChoices):
    REPORT_READY = "report_ready", _("Report ready")
    INTERVIEW_FAILED = "interview_failed", _("Interview failed")
    INTERVIEW_UNREACHABLE = "interview_unreachable", _("Candidate unreachable")
    CONSENT_GRANTED = "consent_granted", _("Consent received")
    CONSENT_DECLINED = "consent_declined", _("Consent declined")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")


class Notification(TenantOwned):
    """Something a recruiter should look at, in their dashboard inbox: a report is ready, an
    interview failed or the candidate could not be reached, a candidate answered the consent
    request. Linked to its candidate (erased with them) and to the page to open."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    link = models.CharField(_("link"), max_length=200)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "user", "-created_at"], name="recruiting_inbox"),
            models.Index(fields=["tenant", "user"], condition=models.Q(read_at__isnull=True), name="recruiting_inbox_unread"),
        ]

    def __str__(self):
        return f"{self.kind} {self.candidate_id}"
