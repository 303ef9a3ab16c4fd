"""Analytics API: the KPIs, the pipeline funnel and per-position statistics, read-only. Every
route takes the same filters (analytics.filters: `from`, `to`, `position`) and every member of
the company may read them, viewers included, as the other recruiting reads. The figures are
computed in analytics.selectors; these views validate the filters and render."""

from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import CanWrite, IsTenantMember
from analytics import selectors
from analytics.filters import CandidateFilter
from recruiting.models import Candidate, PipelineStatus, Position, PositionStatus

FILTER_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day of the period (YYYY-MM-DD, included), on the date "
                                                            "each candidate was added (server time zone, UTC)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of the period (YYYY-MM-DD, included); not before `from`."),
    OpenApiParameter("position", OpenApiTypes.UUID, description="Only this position's candidates: the id of one of the "
                                                                "company's positions."),
]


def selection(request):
    """The candidates the request's filters select, and the position it names (or None); invalid
    filters are a 400 naming the parameter, in the API's error shape."""
    filters = CandidateFilter(request.query_params, queryset=Candidate.objects.all(), request=request)
    if not filters.is_valid():
        raise translate_validation(filters.errors)
    return filters.qs, filters.form.cleaned_data.get("position")


def _rate(**kwargs):
    return serializers.FloatField(allow_null=True, min_value=0, max_value=1, **kwargs)


def _average(**kwargs):
    return serializers.FloatField(allow_null=True, **kwargs)


class ConsentFiguresSerializer(serializers.Serializer):
    asked = serializers.IntegerField(help_text="Candidates sent a consent request, or whose decision a recruiter recorded")
    granted = serializers.IntegerField(help_text="Candidates who granted consent (a later withdrawal included)")
    rate = _rate(help_text="granted / asked; null when nobody was asked")


class CallFiguresSerializer(serializers.Serializer):
    attempts = serializers.IntegerField(help_text="Outbound call attempts that have ended")
    answered = serializers.IntegerField(help_text="Of those, picked up by a person (a voicemail is not)")
    answer_rate = _rate(help_text="answered / attempts; null without attempts")


class CandidateCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Every candidate (of the position asked for), whatever the period")
    added = serializers.IntegerField(help_text="Candidates added in the period: the ones every other figure is about")


class DecisionFiguresSerializer(serializers.Serializer):
    made = serializers.IntegerField(help_text="Candidates on whom a person recorded a decision (on hold included)")
    shortlisted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    hired = serializers.IntegerField()
    on_hold = serializers.IntegerField(help_text="Candidates whose latest decision is on hold")


class AgreementSerializer(serializers.Serializer):
    compared = serializers.IntegerField(
        help_text="Decided candidates whose latest analysis done before the decision recommends advance, hold or do not "
                  "advance (insufficient evidence is left out)")
    agreed = serializers.IntegerField(
        help_text="Of those, decisions that followed the advice: advance ↔ shortlisted or hired, do not advance ↔ rejected, "
                  "hold ↔ on hold")
    rate = _rate(help_text="agreed / compared; null when nothing can be compared")


class OverviewSerializer(serializers.Serializer):
    open_positions = serializers.IntegerField(help_text="Positions open now (the one asked for, if any)")
    candidates = CandidateCountsSerializer()
    cvs_scored = serializers.IntegerField()
    consent = ConsentFiguresSerializer()
    calls = CallFiguresSerializer()
    interviews_completed = serializers.IntegerField(help_text="Interviews whose call reached its end")
    reports_ready = serializers.IntegerField(help_text="Candidates with at least one analysis done")
    average_cv_score = _average(help_text="0-100, over the scored CVs")
    average_interview_score = _average(help_text="0-5 (the rubric's scale), each interview's latest analysis done")
    median_seconds_to_report = _average(help_text="From the candidate added to their first report")
    decisions = DecisionFiguresSerializer()
    ai_agreement = AgreementSerializer(help_text="How often the recruiter's decision followed the AI's advice")


class StatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PipelineStatus.choices)
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Candidates at this status now")


class FunnelStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=PipelineStatus.choices)
    label = serializers.CharField()
    reached = serializers.IntegerField(help_text="Candidates at this step or further along the pipeline")
    conversion_to_next = _rate(help_text="The share of them who reached the next step; null for the last step or none reached")


class PipelineFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    statuses = StatusCountSerializer(many=True, help_text="Every pipeline status, in order, zeros included")
    funnel = FunnelStepSerializer(many=True, help_text="The main path (consent declined and rejected leave it)")


class PositionPipelineSerializer(PipelineFiguresSerializer):
    id = serializers.UUIDField()
    title = serializers.CharField()


class PipelineSerializer(PipelineFiguresSerializer):
    positions = PositionPipelineSerializer(many=True, help_text="Each position with candidates in the selection, by title")


class PositionStatsSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=PositionStatus.choices)
    candidates = serializers.IntegerField(help_text="Candidates added in the period")
    cvs_scored = serializers.IntegerField()
    consented = serializers.IntegerField(help_text="Candidates who granted consent")
    interviewed = serializers.IntegerField(help_text="Candidates with an interview whose call reached its end")
    reports_ready = serializers.IntegerField()
    shortlisted = serializers.IntegerField(help_text="Candidates shortlisted now")
    hired = serializers.IntegerField()
    average_cv_score = _average()
    average_interview_score = _average()
    median_seconds_to_screen = _average(help_text="From the candidate added to their first report")


class AnalyticsView(APIView):
    permission_classes = [IsTenantMember, CanWrite]


class OverviewView(AnalyticsView):
    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: OverviewSerializer},
                   summary="The KPIs: positions, candidates, consent and answer rates, scores, time to report, decisions")
    def get(self, request):
        candidates, position = selection(request)
        return Response(OverviewSerializer(selectors.overview(candidates, position=position)).data)


class PipelineView(AnalyticsView):
    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: PipelineSerializer},
                   summary="Candidates per pipeline status and the funnel's conversions, for the company and per position")
    def get(self, request):
        candidates, _position = selection(request)
        return Response(PipelineSerializer(selectors.pipeline(candidates)).data)


class PositionStatsView(generics.ListAPIView):
    permission_classes = [IsTenantMember, CanWrite]
    serializer_class = PositionStatsSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Position.objects.none()
        return Position.objects.order_by("-created_at", "-id")

    @extend_schema(parameters=FILTER_PARAMETERS, summary="Per position, newest first: its candidates' figures")
    def get(self, request):
        candidates, position = selection(request)
        positions = self.get_queryset()
        if position is not None:
            positions = positions.filter(pk=position.pk)
        page = self.paginate_queryset(positions.only("id", "title", "status", "created_at"))
        rows = selectors.position_stats(page, candidates)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
