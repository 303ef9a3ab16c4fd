"""Interviews API: schedule a candidate's phone interview, read it (state, attempts, timings),
reschedule and cancel it. Domain refusals (no consent, outside calling hours, an interview already
under way, a script that cannot be frozen) answer 409 with a message a recruiter understands."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsTenantMember, IsWriter
from aihm.api import ChoiceLabelField
from interviews import selectors, services
from interviews.models import Answer, CallAttempt, Interview, InterviewEvent
from recruiting.models import Candidate


def _candidate_or_404(pk):
    candidate = Candidate.objects.select_related("position").filter(pk=pk).first()
    if candidate is None:
        raise NotFound("Not found.")
    return candidate


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


class InterviewSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="state", read_only=True)
    status_label = ChoiceLabelField(source="state")
    candidate = serializers.UUIDField(source="candidate_id", read_only=True)
    script_version = serializers.IntegerField(source="script.number", read_only=True)
    questions = serializers.SerializerMethodField()
    attempts = AttemptSerializer(many=True, read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta:
        model = Interview
        fields = ("id", "candidate", "status", "status_label", "language", "scheduled_at", "script_version", "questions",
                  "attempts_made", "persona", "failure_reason", "created_at", "updated_at", "ended_at",
                  "attempts", "answers", "events")
        extra_kwargs = {"scheduled_at": {"source": "next_call_at", "read_only": True}}

    def get_questions(self, interview) -> list[str]:
        return [question["text"] for question in interview.script.questions]


class ScheduleSerializer(serializers.Serializer):
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True, help_text="ISO 8601 with its offset; absent = as soon as allowed")
    persona = serializers.CharField(required=False, allow_blank=True, max_length=32, help_text="Simulated calls only: the simulated candidate")


class RescheduleSerializer(serializers.Serializer):
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True, help_text="ISO 8601 with its offset; absent = as soon as allowed")


def _body(interview_id):
    return InterviewSerializer(selectors.interview_detail(interview_id)).data


class CandidateInterviewsView(APIView):
    permission_classes = [IsTenantMember, IsWriter]

    @extend_schema(request=ScheduleSerializer, responses={201: InterviewSerializer},
                   summary="Schedule the phone interview (refused with 409 without consent, outside calling hours, in the past, beside another active interview)")
    def post(self, request, pk):
        candidate = _candidate_or_404(pk)
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
