"""Interviews API: schedule a candidate's phone interview, list them, read one (state, attempts,
timings, where its pipeline stands), reschedule and cancel it; after the call, its transcripts,
its analysis versions (re-analyse, retry a failed step), its report as JSON or PDF, and the
recruiter's decision. Domain refusals (no consent, outside calling hours, an interview already
under way, nothing to retry) answer 409 with a message a recruiter understands."""

from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import CanWrite, IsTenantMember, IsWriter
from aihm.api import ChoiceLabelField, JSONErrorsNegotiation, StrictCharField
from consent.api import candidate_or_404
from interviews import pipeline, report, selectors, services
from interviews.models import AnalysisState, Answer, CallAttempt, Interview, InterviewAnalysis, InterviewEvent
from recruiting.api import CandidateDetailSerializer, DecisionSerializer
from recruiting.models import InterviewLanguage
from recruiting.services import decide
from recruiting.scripts import question_text


def _interview_or_404(pk):
    interview = selectors.interview_detail(pk)
    if interview is None:
        raise NotFound("Not found.")
    return interview


class PipelineStatusSerializer(serializers.Serializer):
    """Where the work after the call stands (`interviews.pipeline.status`)."""

    code = serializers.CharField(help_text='"" (not started), transcribing, transcription_failed, analysing, analysis_failed or report_ready')
    label = serializers.CharField()
    done = serializers.IntegerField(help_text="Answers transcribed")
    total = serializers.IntegerField(help_text="Answers to transcribe")
    error = serializers.CharField(help_text="Why the failed step failed")
    running = serializers.BooleanField()
    failed = serializers.BooleanField()


class AttemptSerializer(serializers.ModelSerializer):
    direction_label = ChoiceLabelField(source="direction")
    outcome_label = ChoiceLabelField(source="outcome")

    class Meta:
        model = CallAttempt
        fields = ("id", "number", "direction", "direction_label", "state", "outcome", "outcome_label", "answered_by",
                  "started_at", "answered_at", "ended_at", "duration_seconds", "last_question_index", "error")


class AnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ("id", "question_index", "attempt", "take", "state", "duration_seconds", "error", "created_at", "stored_at")


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = InterviewEvent
        fields = ("from_state", "to_state", "reason", "created_at")


class InterviewSummarySerializer(serializers.ModelSerializer):
    """An interview as listed: its state and timings, without attempts, answers or timeline."""

    status = serializers.CharField(source="state", read_only=True)
    status_label = ChoiceLabelField(source="state")
    candidate = serializers.UUIDField(source="candidate_id", read_only=True)
    script_version = serializers.IntegerField(source="script.number", read_only=True)

    class Meta:
        model = Interview
        fields = ("id", "candidate", "status", "status_label", "language", "scheduled_at", "script_version",
                  "attempts_made", "persona", "failure_reason", "created_at", "updated_at", "ended_at")
        extra_kwargs = {"scheduled_at": {"source": "next_call_at", "read_only": True}}


class InterviewSerializer(InterviewSummarySerializer):
    questions = serializers.SerializerMethodField()
    attempts = AttemptSerializer(many=True, read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    pipeline = serializers.SerializerMethodField()

    class Meta(InterviewSummarySerializer.Meta):
        fields = InterviewSummarySerializer.Meta.fields + ("questions", "attempts", "answers", "events", "pipeline")

    def get_questions(self, interview) -> list[str]:
        return [question["text"] for question in interview.script.questions]

    @extend_schema_field(PipelineStatusSerializer)
    def get_pipeline(self, interview):
        return PipelineStatusSerializer(pipeline.status(interview)).data


class AwareDateTimeField(serializers.DateTimeField):
    """A moment with its offset: DRF would read a naive one in the server's time zone."""

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            raise serializers.ValidationError(
                _("Give the time with its time zone (ISO 8601, e.g. 2026-03-09T10:30:00+01:00)."), code="naive")
        return super().enforce_timezone(value)


def _scheduled_at_field():
    return AwareDateTimeField(required=False, allow_null=True, help_text="ISO 8601 with its offset; absent = as soon as allowed")


class ScheduleSerializer(serializers.Serializer):
    scheduled_at = _scheduled_at_field()
    persona = StrictCharField(required=False, allow_blank=True, max_length=32, help_text="Simulated calls only: the simulated candidate")


class RescheduleSerializer(serializers.Serializer):
    scheduled_at = _scheduled_at_field()


def _body(interview_id):
    return InterviewSerializer(selectors.interview_detail(interview_id)).data


class CandidateInterviewsView(generics.ListAPIView):
    permission_classes = [IsTenantMember, CanWrite]
    serializer_class = InterviewSummarySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Interview.objects.none()
        return selectors.interviews_of_candidate(candidate_or_404(self.kwargs["pk"]))

    @extend_schema(summary="The candidate's interviews, newest first")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(request=ScheduleSerializer, responses={201: InterviewSerializer},
                   summary="Schedule the phone interview (refused with 409 without consent, outside calling hours, in the past, beside another active interview)")
    def post(self, request, pk):
        candidate = candidate_or_404(pk)
        payload = ScheduleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        interview = services.schedule_interview(
            by=request.user, candidate=candidate, at=payload.validated_data.get("scheduled_at"),
            persona=payload.validated_data.get("persona", ""), request=request,
        )
        return Response(_body(interview.pk), status=status.HTTP_201_CREATED)


class InterviewView(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(responses=InterviewSerializer, summary="An interview: status, attempts, answers, timeline")
    def get(self, request, pk):
        return Response(InterviewSerializer(_interview_or_404(pk)).data)


class RescheduleInterviewView(APIView):
    permission_classes = [IsTenantMember, IsWriter]

    @extend_schema(request=RescheduleSerializer, responses=InterviewSerializer, summary="Move an interview that has not started")
    def post(self, request, pk):
        interview = _interview_or_404(pk)
        payload = RescheduleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.reschedule_interview(by=request.user, interview=interview, at=payload.validated_data.get("scheduled_at"), request=request)
        return Response(_body(interview.pk))


class CancelInterviewView(APIView):
    permission_classes = [IsTenantMember, IsWriter]

    @extend_schema(request=None, responses=InterviewSerializer, summary="Cancel an interview (a call in progress is hung up)")
    def post(self, request, pk):
        interview = _interview_or_404(pk)
        services.cancel_interview(by=request.user, interview=interview, request=request)
        return Response(_body(interview.pk))


# --- After the call: transcripts, analyses, the report, the decision ---------------------------


class AnswerBriefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    duration_seconds = serializers.IntegerField(allow_null=True)
    has_audio = serializers.BooleanField()


class SegmentSerializer(serializers.Serializer):
    start = serializers.FloatField(help_text="Seconds from the start of the answer")
    end = serializers.FloatField()
    text = serializers.CharField()


class TranscriptSerializer(serializers.Serializer):
    state = serializers.CharField(help_text="pending, done or failed")
    state_label = serializers.CharField()
    error = serializers.CharField()
    text = serializers.CharField()
    language = serializers.CharField(help_text="The language detected (or forced) for the answer")
    language_probability = serializers.FloatField(allow_null=True, help_text="0 to 1; null when the language was forced")
    quality = serializers.CharField(help_text='good, poor, empty, or "" before it is done')
    quality_words = serializers.CharField(help_text="The quality as a recruiter reads it")
    speech_seconds = serializers.FloatField(allow_null=True)
    model = serializers.CharField()
    segments = SegmentSerializer(many=True)
    darija_note = serializers.CharField()


class TranscriptDetailSerializer(TranscriptSerializer):
    settings = serializers.DictField(help_text="The transcription settings used")


class TranscriptionItemSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The question's number in the frozen script, from 1")
    text = serializers.CharField(help_text="The question as asked")
    answer = AnswerBriefSerializer(allow_null=True, help_text="The answer that counts (the last take); null if none")
    transcript = TranscriptDetailSerializer(allow_null=True)


class TranscriptionSerializer(serializers.Serializer):
    interview = serializers.UUIDField()
    language = serializers.CharField(help_text="The language of the call")
    pipeline = PipelineStatusSerializer()
    questions = TranscriptionItemSerializer(many=True)


class AssessmentSerializer(serializers.Serializer):
    assessed = serializers.BooleanField()
    score = serializers.IntegerField(allow_null=True)
    quotes = serializers.ListField(child=serializers.CharField())
    rationale = serializers.CharField()


class QuestionAssessmentSerializer(AssessmentSerializer):
    number = serializers.IntegerField(help_text="The question's number, from 1")


class ProvenanceSerializer(serializers.Serializer):
    provider = serializers.CharField(help_text='"offline" for the embedded heuristics')
    model = serializers.CharField()
    prompt_version = serializers.CharField()
    script_version = serializers.IntegerField(allow_null=True)
    transcription_models = serializers.ListField(child=serializers.CharField())
    transcription = serializers.DictField(help_text="The transcription models and settings of the transcripts analysed")
    usage = serializers.DictField(help_text="What the provider counted (tokens)")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class AnalysisSerializer(serializers.Serializer):
    """One analysis version: advisory only, with what produced it."""

    id = serializers.UUIDField()
    version = serializers.IntegerField()
    state = serializers.CharField(help_text="pending, done or failed")
    state_label = serializers.CharField()
    error = serializers.CharField()
    recommendation = serializers.CharField(help_text='advance, hold, do_not_advance, insufficient_evidence, or "" until done')
    recommendation_label = serializers.CharField()
    overall_score = serializers.FloatField(allow_null=True)
    scale_max = serializers.IntegerField()
    gate_reason = serializers.CharField(help_text="Why there was not enough to assess, when code decided so")
    summary = serializers.CharField()
    strengths = serializers.ListField(child=serializers.CharField())
    concerns = serializers.ListField(child=serializers.CharField())
    to_explore = serializers.ListField(child=serializers.CharField())
    offline = serializers.BooleanField()
    dropped = serializers.IntegerField(help_text="Points dropped because they touched a protected characteristic")
    provenance = ProvenanceSerializer()


class AnalysisVersionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    recommendation_label = serializers.CharField()
    created_at = serializers.DateTimeField()


class AnalysisDetailSerializer(AnalysisSerializer):
    questions = QuestionAssessmentSerializer(many=True)
    versions = AnalysisVersionSerializer(many=True, help_text="Every version, newest first")


class ReportInterviewSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    language = serializers.CharField()
    language_label = serializers.CharField()
    script_version = serializers.IntegerField()
    simulated = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    failure_reason = serializers.CharField()


class ReportCandidateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()
    position = serializers.CharField()
    position_id = serializers.UUIDField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    cv_score = serializers.IntegerField(allow_null=True)


class ReportConsentSerializer(serializers.Serializer):
    decision = serializers.CharField()
    decision_label = serializers.CharField()
    at = serializers.DateTimeField()
    channel = serializers.CharField()
    covers = serializers.ListField(child=serializers.CharField())
    notice_version = serializers.CharField()
    notice_hash = serializers.CharField()
    language = serializers.CharField()


class ReportAttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    direction = serializers.CharField()
    direction_label = serializers.CharField()
    started_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.IntegerField(allow_null=True)
    outcome = serializers.CharField()
    outcome_label = serializers.CharField()


class TextPieceSerializer(serializers.Serializer):
    text = serializers.CharField()
    quote = serializers.BooleanField(help_text="A quote of the analysis")


class ReportTranscriptSerializer(TranscriptSerializer):
    pieces = TextPieceSerializer(many=True, help_text="The text cut where the analysis quotes it")


class ReportQuestionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    rubric = serializers.CharField()
    weight = serializers.IntegerField()
    answer = AnswerBriefSerializer(allow_null=True)
    transcript = ReportTranscriptSerializer(allow_null=True)
    assessment = AssessmentSerializer(allow_null=True)


class ReportDecisionSerializer(serializers.Serializer):
    decision = serializers.CharField()
    decision_label = serializers.CharField()
    comment = serializers.CharField()
    by = serializers.CharField()
    at = serializers.DateTimeField()


class ReportSerializer(serializers.Serializer):
    """The report of one interview: the same facts as the dashboard's page and PDF."""

    interview = ReportInterviewSerializer()
    pipeline = PipelineStatusSerializer()
    candidate = ReportCandidateSerializer()
    consent = ReportConsentSerializer(allow_null=True)
    attempts = ReportAttemptSerializer(many=True)
    questions = ReportQuestionSerializer(many=True)
    analysis = AnalysisSerializer(allow_null=True, help_text="The version chosen (the latest done one by default)")
    versions = AnalysisVersionSerializer(many=True)
    decisions = ReportDecisionSerializer(many=True, help_text="The recruiters' decisions on the candidate, newest first")


class VersionQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, max_value=32767, help_text="An analysis version; the latest by default")


class ReportPdfQuerySerializer(VersionQuerySerializer):
    lang = serializers.ChoiceField(choices=InterviewLanguage.choices, required=False,
                                   help_text="The report's language; the reader's by default, else the interview's")


RETRIED_RESPONSE = inline_serializer("PipelineRetried", fields={
    "step": serializers.CharField(help_text="What was queued again: transcription or analysis"),
})


def _report_interview_or_404(pk):
    interview = report.interview_for_report(pk)
    if interview is None:
        raise NotFound()
    return interview


def _query(serializer_class, request):
    values = serializer_class(data=request.query_params)
    values.is_valid(raise_exception=True)
    return values.validated_data


def _versions(interview):
    return list(InterviewAnalysis.objects.filter(interview=interview).order_by("-version"))


def _analysis_body(analysis, versions):
    data = report.analysis_data(analysis)
    data["questions"] = (analysis.output or {}).get("questions", [])
    data["versions"] = [report.version_data(a) for a in versions]
    return AnalysisDetailSerializer(data).data


class InterviewTranscriptionView(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(responses=TranscriptionSerializer, summary="The transcript of each question's answer")
    def get(self, request, pk):
        interview = _report_interview_or_404(pk)
        questions = interview.script.questions or []
        answers = pipeline.answers_of_each_question(interview, len(questions))
        items = []
        for index, (question, answer) in enumerate(zip(questions, answers)):
            transcript = getattr(answer, "transcript", None) if answer is not None else None
            transcript_data = None
            if transcript is not None:
                transcript_data = {**report.transcript_data(transcript, interview.language), "settings": transcript.settings or {}}
            items.append({
                "number": index + 1, "text": question_text(question, interview.language),
                "answer": report.answer_data(answer),
                "transcript": transcript_data,
            })
        body = {"interview": interview.pk, "language": interview.language,
                "pipeline": pipeline.status(interview), "questions": items}
        return Response(TranscriptionSerializer(body).data)


class InterviewAnalysisView(APIView):
    permission_classes = [IsTenantMember, CanWrite]

    @extend_schema(parameters=[VersionQuerySerializer], responses=AnalysisDetailSerializer,
                   summary="An analysis version (the latest by default): scores, evidence, recommendation, provenance")
    def get(self, request, pk):
        interview = _report_interview_or_404(pk)
        wanted = _query(VersionQuerySerializer, request).get("version")
        versions = _versions(interview)
        analysis = next((a for a in versions if wanted is None or a.version == wanted), None)
        if analysis is None:
            raise NotFound(gettext_now("This interview has no such analysis."))
        return Response(_analysis_body(analysis, versions))

    @extend_schema(request=None, responses={202: AnalysisDetailSerializer},
                   summary="Analyse the interview again: a new version, the earlier ones stay (only once a report is ready)")
    def post(self, request, pk):
        interview = _report_interview_or_404(pk)
        analysis = pipeline.reanalyse(by=request.user, interview=interview, request=request)
        return Response(_analysis_body(analysis, _versions(interview)), status=status.HTTP_202_ACCEPTED)


class InterviewRetryView(APIView):
    permission_classes = [IsTenantMember, IsWriter]

    @extend_schema(request=None, responses={202: RETRIED_RESPONSE},
                   summary="Resume the work after the call where it failed (the failed transcripts, else a failed analysis)")
    def post(self, request, pk):
        interview = _report_interview_or_404(pk)
        step = pipeline.retry(by=request.user, interview=interview, request=request)
        return Response({"step": step}, status=status.HTTP_202_ACCEPTED)


class InterviewReportView(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(parameters=[VersionQuerySerializer], responses=ReportSerializer,
                   summary="The full report: the same facts as the dashboard's page and PDF")
    def get(self, request, pk):
        interview = _report_interview_or_404(pk)
        wanted = _query(VersionQuerySerializer, request).get("version")
        chosen = None
        if wanted is not None:
            chosen = InterviewAnalysis.objects.filter(interview=interview, version=wanted).first()
            if chosen is None:
                raise NotFound(gettext_now("This interview has no such analysis."))
        return Response(ReportSerializer(report.report_data(interview, analysis=chosen)).data)


class InterviewReportPdfView(APIView):
    permission_classes = [IsTenantMember]
    content_negotiation_class = JSONErrorsNegotiation

    @extend_schema(
        parameters=[ReportPdfQuerySerializer],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The report as a PDF attachment")},
        summary="Download the report as a PDF (a done analysis version, the latest by default; audited)",
    )
    def get(self, request, pk):
        from interviews import pdf

        interview = _report_interview_or_404(pk)
        values = _query(ReportPdfQuerySerializer, request)
        done = InterviewAnalysis.objects.filter(interview=interview, state=AnalysisState.DONE)
        if "version" in values:
            done = done.filter(version=values["version"])
        analysis = done.order_by("-version").first()
        if analysis is None:
            raise NotFound(gettext_now("This interview has no finished analysis to report."))
        language = pdf.report_language(values.get("lang"), request.user, interview)
        try:
            return pdf.download(request, interview, analysis, language)
        except FileNotFoundError:
            raise NotFound(gettext_now("The report file is missing from storage.")) from None


class InterviewDecisionView(APIView):
    permission_classes = [IsTenantMember, CanWrite]

    @extend_schema(request=DecisionSerializer, responses={200: CandidateDetailSerializer},
                   summary="Record the recruiter's decision on the interview's candidate (the AI only advises)")
    def post(self, request, pk):
        interview = _report_interview_or_404(pk)
        values = DecisionSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        candidate = decide(by=request.user, candidate=interview.candidate, decision=values.validated_data["decision"],
                           comment=values.validated_data.get("comment", ""))
        return Response(CandidateDetailSerializer(candidate, context={"request": request}).data)
