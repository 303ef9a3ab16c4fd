"""Interviews API: schedule a candidate's phone interview, list them, read one (state, attempts,
timings), reschedule and cancel it. Domain refusals (no consent, outside calling hours, an
interview already under way, a script that cannot be frozen) answer 409 with a message a
recruiter understands."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import CanWrite, IsTenantMember, IsWriter
from aihm.api import ChoiceLabelField, StrictCharField
from consent.api import candidate_or_404
from interviews import selectors, services
from interviews.models import Answer, CallAttempt, Interview, InterviewEvent


def _interview_or_404(pk):
    interview = selectors.interview_detail(pk)
    if interview is None:
        raise NotFound("Not found.")
    return interview


class AttemptSerializer(serializers.ModelSerializer):
    outcome_label = ChoiceLabelField(source="outcome")

    class Meta:
        model = CallAttempt
        fields = ("id", "number", "state", "outcome", "outcome_label", "answered_by", "started_at", "answered_at",
                  "ended_at", "duration_seconds", "last_question_index", "error")


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

    class Meta(InterviewSummarySerializer.Meta):
        fields = InterviewSummarySerializer.Meta.fields + ("questions", "attempts", "answers", "events")

    def get_questions(self, interview) -> list[str]:
        return [question["text"] for question in interview.script.questions]


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
