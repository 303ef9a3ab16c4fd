"""Recruiting API: positions, their screening scripts, candidates and CVs.

Views parse the request, call a service or a selector, and render; every rule lives in
recruiting.services. Another company's id is a 404 (the scoped managers see only the caller's
tenant); viewers read everything and change nothing.
"""

from django.conf import settings
from django.http import StreamingHttpResponse
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import CanWrite, IsTenantMember
from aihm.api import ChoiceLabelField, ErrorSerializer, FieldsBuiltOnce, JSONErrorsNegotiation, JSONParser, StrictCharField, StrictEmailField
from aihm.errors import Invalid
from recruiting import cv as cv_files
from recruiting import selectors, services
from recruiting.files import CVMissing, cv_download_response
from recruiting.forms import NO_CONSENT_DECISION
from recruiting.models import (
    ConsentState,
    DecisionChoice,
    Candidate,
    CandidateSource,
    InterviewLanguage,
    PipelineStatus,
    Position,
    PositionStatus,
    Question,
    ScoringStatus,
    ScriptVersion,
)
from recruiting.protected import TOPICS
from recruiting.scoring import queue_scoring
from recruiting.scripts import script_languages

MEMBERS_READ_WRITERS_WRITE = [IsTenantMember, CanWrite]


# --- Serializers: positions -------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    full_name = serializers.CharField(read_only=True)


def _requirement_list(**kwargs):
    return serializers.ListField(child=StrictCharField(max_length=100, allow_blank=True), max_length=30, required=False, **kwargs)


class RequirementsSerializer(serializers.Serializer):
    """The precise form of a position's requirements."""

    skills = _requirement_list()
    must_haves = _requirement_list(help_text="What a candidate cannot do without")
    nice_to_haves = _requirement_list()
    min_years_experience = serializers.IntegerField(min_value=0, max_value=50, allow_null=True, required=False)


REQUIREMENTS_TEXT_MAX_LENGTH = 5000  # as the dashboard's text areas


class RequirementsField(serializers.Field):
    """`requirements` as the precise object, or as the dashboard takes them: free text (one a
    line, or separated by commas) or a list of texts, which become the skills. Text and lists go
    through the dashboard's own parser (recruiting.services.clean_position_values)."""

    default_error_messages = {
        "invalid": gettext_lazy("Give the requirements as text (one a line, or separated by commas), a list of texts, "
                     "or an object with skills, must_haves, nice_to_haves and min_years_experience."),
        "too_long": gettext_lazy("Ensure this text has no more than {max_length} characters."),
    }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            requirements = RequirementsSerializer(data=data)
            requirements.is_valid(raise_exception=True)
            return dict(requirements.validated_data)
        if isinstance(data, str) and len(data) > REQUIREMENTS_TEXT_MAX_LENGTH:
            self.fail("too_long", max_length=REQUIREMENTS_TEXT_MAX_LENGTH)
        if not isinstance(data, (str, list)):
            self.fail("invalid")
        try:
            return services.clean_position_values({"skills": data})
        except Invalid as error:
            raise ValidationError(error.message) from None

    def to_representation(self, requirements):
        return RequirementsSerializer(requirements).data


class RequirementsFieldSchema(OpenApiSerializerFieldExtension):
    """OpenAPI: the object when read; text, a list of texts or the object when written."""

    target_class = RequirementsField

    def map_serializer_field(self, auto_schema, direction):
        component = auto_schema.resolve_serializer(RequirementsSerializer, direction).ref
        if direction == "response":
            return component
        text = {"type": "string", "maxLength": REQUIREMENTS_TEXT_MAX_LENGTH,
                "description": "Skills, one a line or separated by commas"}
        skills = {"type": "array", "maxItems": 30, "items": {"type": "string", "maxLength": 100}, "description": "Skills"}
        return {"oneOf": [component, text, skills]}


def _language_code(**kwargs):
    return serializers.ChoiceField(choices=InterviewLanguage.choices, **kwargs)


class PositionSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A position as listed; the write fields are the ones the services accept."""

    title = StrictCharField(max_length=200)
    call_languages = serializers.ListField(
        child=_language_code(error_messages={"invalid_choice": gettext_lazy(
            "Unknown language « {input} »: the languages are fr (French), en (English) and ar (Arabic).")}),
        required=False,
        help_text="The languages the candidate may choose from the keypad menu at the start of the call, in menu order, "
                  "each once; the interview language (`language`) is always offered first, listed or not. Empty: "
                  "`language` only.",
    )
    offered_languages = serializers.ListField(
        child=_language_code(), read_only=True,
        help_text="The languages the call is offered in, in menu order: `language` first, then the other call languages",
    )
    description = StrictCharField(max_length=20000, allow_blank=True, required=False)
    location = StrictCharField(max_length=200, allow_blank=True, required=False)
    requirements = RequirementsField(required=False)
    status_label = ChoiceLabelField(source="status")
    contract_type_label = ChoiceLabelField(source="contract_type")
    owner = UserRefSerializer(read_only=True, allow_null=True)
    candidate_count = serializers.SerializerMethodField()

    class Meta:
        model = Position
        fields = (
            "id", "title", "description", "requirements", "location", "contract_type", "contract_type_label",
            "language", "call_languages", "offered_languages", "status", "status_label", "owner", "candidate_count",
            "created_at", "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")

    def get_candidate_count(self, position) -> int:
        annotated = getattr(position, "candidate_count", None)
        return annotated if annotated is not None else position.candidates.count()


class PositionDetailSerializer(PositionSerializer):
    """One position, with its funnel and what still keeps its script from being frozen."""

    funnel = serializers.SerializerMethodField()
    script_problems = serializers.SerializerMethodField()

    class Meta(PositionSerializer.Meta):
        fields = PositionSerializer.Meta.fields + ("funnel", "script_problems")

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField(), help_text="{pipeline status: count}, zeros included"))
    def get_funnel(self, position):
        return selectors.funnel_counts(position)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_script_problems(self, position):
        return [str(problem) for problem in services.script_problems(position)]


class PositionFilterSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="In the title or the location")
    status = serializers.ChoiceField(choices=PositionStatus.choices, required=False, allow_blank=True)


def _position_values(validated):
    """Serializer data -> the keyword arguments of create_position/update_position."""
    values = dict(validated)
    values.update(values.pop("requirements", {}))
    return values


# --- Serializers: the screening script --------------------------------------------------------


class ProtectedTopicSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


def protected_topic_items(codes):
    return [{"code": code, "label": str(TOPICS[code][0])} for code in codes if code in TOPICS]


class QuestionSerializer(serializers.ModelSerializer):
    """One question of the editable script; `protected_topics` flags what must be removed before freezing."""

    text = StrictCharField(max_length=500)
    good_answer = StrictCharField(max_length=2000, allow_blank=True, required=False)
    weight = serializers.IntegerField(min_value=1, max_value=5, required=False)
    max_answer_seconds = serializers.IntegerField(min_value=15, max_value=300, required=False)
    translations = serializers.DictField(
        child=StrictCharField(max_length=500, allow_blank=True), required=False,
        help_text="{language code: the question in that language} for each language the position offers besides its "
                  "own (`text` is in its own); written, it replaces the stored translations. A script cannot be frozen "
                  "while one is missing.",
    )
    protected_topics = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = (
            "id", "position", "order", "text", "translations", "good_answer", "weight", "max_answer_seconds",
            "drafted_by_ai", "protected_topics", "created_at", "updated_at",
        )
        read_only_fields = ("id", "position", "order", "drafted_by_ai", "created_at", "updated_at")

    @extend_schema_field(ProtectedTopicSerializer(many=True))
    def get_protected_topics(self, question):
        return protected_topic_items(question.protected_topics)


class ScriptSerializer(serializers.Serializer):
    """The script after a change that touches several questions."""

    questions = QuestionSerializer(many=True)
    script_problems = serializers.ListField(child=serializers.CharField())


class ReorderSerializer(serializers.Serializer):
    question_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=50)


class FrozenQuestionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    text = serializers.CharField(help_text="In the script's own language (`language`)")
    good_answer = serializers.CharField()
    weight = serializers.IntegerField()
    max_answer_seconds = serializers.IntegerField()


class ScriptVersionSerializer(serializers.ModelSerializer):
    questions = FrozenQuestionSerializer(many=True, read_only=True)
    languages = serializers.SerializerMethodField()

    class Meta:
        model = ScriptVersion
        fields = ("id", "position", "number", "language", "languages", "questions", "frozen_by", "created_at")
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=_language_code(), help_text="The languages the call can be held in, "
                                                                                 "in menu order, `language` first"))
    def get_languages(self, version):
        return script_languages(version)


# --- Serializers: candidates ------------------------------------------------------------------


class PositionRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)


CV_CONTENT_TYPES = (cv_files.PDF, cv_files.DOCX, cv_files.TEXT)  # what recruiting.cv accepts, found by content


class CVFileSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    content_type = serializers.ChoiceField(choices=[(kind, kind) for kind in CV_CONTENT_TYPES])
    cv_url = serializers.URLField(help_text="Download through the API (authorised, audited)")


class CriterionSerializer(serializers.Serializer):
    requirement = serializers.CharField()
    kind = serializers.ChoiceField(choices=["must_have", "skill", "nice_to_have", "experience"])
    score = serializers.IntegerField(min_value=0, max_value=100)
    met = serializers.BooleanField()
    evidence = serializers.CharField(help_text="The CV sentence that supports the score")


class CVScoreDetailsSerializer(serializers.Serializer):
    """What recruiting.scoring stores once a CV is scored (documentation of the JSON object)."""

    summary = serializers.CharField()
    criteria = CriterionSerializer(many=True)
    must_haves_met = serializers.ListField(child=serializers.CharField())
    must_haves_missing = serializers.ListField(child=serializers.CharField())
    years_of_experience = serializers.FloatField(allow_null=True)
    insufficient_text = serializers.BooleanField()
    ignored_requirements = serializers.ListField(child=serializers.CharField(), required=False,
                                                 help_text="Requirements about protected characteristics, never scored")
    provider = serializers.CharField(help_text='"offline" for the embedded heuristics (offline scoring)')
    model = serializers.CharField()
    prompt_version = serializers.CharField()
    usage = serializers.DictField(required=False)


class CandidateSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A candidate as listed: every field comes from the row and its position (no query per row)."""

    position = PositionRefSerializer(read_only=True)
    status_label = ChoiceLabelField(source="status")
    scoring_status_label = ChoiceLabelField(source="scoring_status")
    email = serializers.EmailField(read_only=True, allow_blank=True, help_text="Empty when the candidate gave none")
    has_cv = serializers.SerializerMethodField()

    class Meta:
        model = Candidate
        fields = (
            "id", "position", "full_name", "email", "phone", "timezone", "source", "status", "status_label",
            "scoring_status", "scoring_status_label", "cv_score", "interview_score", "consent_state", "has_cv", "decided_at",
            "created_at", "updated_at",
        )
        read_only_fields = fields

    def get_has_cv(self, candidate) -> bool:
        return bool(candidate.cv_file)


class CandidateDetailSerializer(CandidateSerializer):
    cv = serializers.SerializerMethodField()
    cv_score_details = serializers.SerializerMethodField()
    decided_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta(CandidateSerializer.Meta):
        fields = CandidateSerializer.Meta.fields + (
            "notes", "cv", "cv_score_details", "scoring_error", "scored_at", "decided_by",
        )
        read_only_fields = fields

    @extend_schema_field(CVFileSerializer(allow_null=True))
    def get_cv(self, candidate):
        if not candidate.cv_file:
            return None
        url = reverse("api-candidate-cv", args=[candidate.pk])
        request = self.context.get("request")
        return {
            "file_name": candidate.cv_filename,
            "size": candidate.cv_size,
            "content_type": candidate.cv_content_type,
            "cv_url": request.build_absolute_uri(url) if request else url,
        }

    @extend_schema_field(CVScoreDetailsSerializer(allow_null=True))
    def get_cv_score_details(self, candidate):
        return candidate.cv_score_details or None


class CandidateWriteSerializer(serializers.Serializer):
    full_name = StrictCharField(max_length=200)
    email = StrictEmailField(max_length=254, required=False, allow_blank=True)
    phone = StrictCharField(max_length=40, help_text="Normalised to E.164; numbers that cannot be called are refused")
    timezone = StrictCharField(max_length=64, required=False, allow_blank=True, help_text="Derived from the phone when absent")
    notes = StrictCharField(max_length=5000, required=False, allow_blank=True)
    allow_duplicate = serializers.BooleanField(required=False, default=False,
                                               help_text="Add even when a candidate with the same email or phone exists")


class CandidateUploadSerializer(CandidateWriteSerializer):
    cv = serializers.FileField(required=False, allow_empty_file=True, help_text="PDF, DOCX or plain text, checked by content")


class CVUploadSerializer(serializers.Serializer):
    cv = serializers.FileField(allow_empty_file=True, help_text="PDF, DOCX or plain text, checked by content")


class CSVUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="CSV with a header row: full_name, phone, email, timezone, notes")


@extend_schema_field({"type": "string", "enum": list(selectors.CANDIDATE_ORDERINGS),
                      "description": "Sort order; `-` reverses it. A missing CV score sorts last both ways."})
class CandidateOrderingField(serializers.CharField):
    """Checked by the selector, the one place that knows the orders (an unknown one is a 400)."""


class CandidateFilterSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, default="", allow_blank=True, max_length=200, help_text="In the name, email or phone")
    status = serializers.ChoiceField(choices=PipelineStatus.choices, required=False, default="", allow_blank=True)
    scoring = serializers.ChoiceField(choices=ScoringStatus.choices, required=False, default="", allow_blank=True)
    consent = serializers.ChoiceField(
        choices=[ConsentState.GRANTED, ConsentState.DECLINED, ConsentState.WITHDRAWN, NO_CONSENT_DECISION], required=False,
        help_text="The latest consent decision; none: no decision yet")
    min_score = serializers.IntegerField(required=False, min_value=0, max_value=100, help_text="CV score at least")
    max_score = serializers.IntegerField(required=False, min_value=0, max_value=100, help_text="CV score at most")
    ordering = CandidateOrderingField(required=False, default=selectors.DEFAULT_CANDIDATE_ORDERING)

    def validate_consent(self, value):
        return ConsentState.NONE.value if value == NO_CONSENT_DECISION else value


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DecisionChoice.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, trim_whitespace=True)


class DuplicateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()
    position = PositionRefSerializer()


DUPLICATE_RESPONSE = OpenApiResponse(
    inline_serializer("CandidateConflictError", fields={
        "message": serializers.CharField(),
        "duplicates": DuplicateSerializer(many=True, required=False, help_text="Only when the refusal is a duplicate"),
    }),
    description="Refused by a business rule (a closed position, ...), or a candidate of this company has the same "
                "email or phone: `duplicates` lists them; send allow_duplicate: true to add anyway",
)
IMPORT_RESPONSE = inline_serializer("CandidateImportReport", fields={
    "added": serializers.IntegerField(),
    "refused": serializers.IntegerField(),
    "rows": inline_serializer("CandidateImportRow", fields={
        "line": serializers.IntegerField(),
        "full_name": serializers.CharField(),
        "status": serializers.CharField(help_text="added or refused"),
        "reason": serializers.CharField(),
        "candidate_id": serializers.UUIDField(required=False),
        "duplicate_of": serializers.UUIDField(required=False),
    }, many=True),
})
SCORING_RESPONSE = inline_serializer("ScoringQueued", fields={
    "scoring_status": serializers.ChoiceField(choices=ScoringStatus.choices),
    "scoring_status_label": serializers.CharField(),
})
ERROR_RESPONSE = ErrorSerializer


# --- Helpers ----------------------------------------------------------------------------------


def _valid(serializer_class, data, **kwargs):
    payload = serializer_class(data=data, **kwargs)
    payload.is_valid(raise_exception=True)
    return payload.validated_data


def _upload(request, field, serializer_class, limit):
    """The uploaded file, or a 400 naming the field; a request cut off for its size says so."""
    data = request.data  # parsing is what trips the size limit
    if getattr(request._request, "upload_too_large", False):
        message = _("The file is too large (the limit is %(limit)s).") % {"limit": filesizeformat(limit)}
        raise ValidationError({field: [message]})
    return _valid(serializer_class, data)


def _get_or_404(queryset, pk):
    """The object of the caller's company, or the same plain 404 whether it exists elsewhere or not."""
    try:
        return queryset.get(pk=pk)  # no ORDER BY, unlike first()
    except queryset.model.DoesNotExist:
        raise NotFound() from None


def _position_or_404(pk):
    return _get_or_404(Position.objects.all(), pk)


def _candidate_or_404(pk):
    return _get_or_404(Candidate.objects.select_related("position", "decided_by"), pk)


class ObjectByPk:
    """Generic views look their object up like the helpers above."""

    def get_object(self):
        return _get_or_404(self.get_queryset(), self.kwargs["pk"])


def _duplicate_response(error):
    return Response(
        {
            "message": error.message,
            "duplicates": [
                {"id": c.pk, "full_name": c.full_name, "position": {"id": c.position_id, "title": c.position.title}}
                for c in error.duplicates
            ],
        },
        status=status.HTTP_409_CONFLICT,
    )


def _script(position, questions):
    problems = [str(problem) for problem in services.script_problems(position)]
    return ScriptSerializer({"questions": questions, "script_problems": problems}).data


# --- Positions --------------------------------------------------------------------------------


class PositionListView(generics.ListCreateAPIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE
    serializer_class = PositionSerializer

    def get_queryset(self):
        filters = _valid(PositionFilterSerializer, self.request.query_params)
        return selectors.positions_list(search=filters.get("search", ""), status=filters.get("status", ""))

    @extend_schema(parameters=[PositionFilterSerializer], summary="The company's positions, newest first")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(request=PositionSerializer, responses={201: PositionDetailSerializer, 400: ERROR_RESPONSE},
                   summary="Open a position")
    def post(self, request, *args, **kwargs):
        values = _position_values(_valid(PositionSerializer, request.data))
        position = services.create_position(by=request.user, **values)
        return Response(PositionDetailSerializer(position, context={"request": request}).data, status=status.HTTP_201_CREATED)


class PositionDetailView(ObjectByPk, generics.GenericAPIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE
    serializer_class = PositionDetailSerializer

    def get_queryset(self):
        return selectors.positions_list()

    @extend_schema(summary="One position, with its funnel and script problems")
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    def _update(self, request, partial):
        position = self.get_object()
        values = _position_values(_valid(PositionSerializer, request.data, partial=partial))
        position = services.update_position(by=request.user, position=position, **values)
        return Response(self.get_serializer(position).data)

    @extend_schema(request=PositionSerializer, responses={200: PositionDetailSerializer, 400: ERROR_RESPONSE, 409: ERROR_RESPONSE},
                   summary="Replace a position's fields (title required)")
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(request=PositionSerializer, responses={200: PositionDetailSerializer, 400: ERROR_RESPONSE, 409: ERROR_RESPONSE},
                   summary="Change some of a position's fields")
    def patch(self, request, pk):
        return self._update(request, partial=True)

    @extend_schema(responses={204: None, 409: OpenApiResponse(ERROR_RESPONSE, description="It has candidates: close or archive it")},
                   summary="Delete an empty position")
    def delete(self, request, pk):
        services.delete_position(by=request.user, position=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The screening script ---------------------------------------------------------------------


class QuestionListView(generics.ListCreateAPIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE
    serializer_class = QuestionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Question.objects.none()
        return _position_or_404(self.kwargs["pk"]).questions.order_by("order", "created_at")

    @extend_schema(summary="The position's editable script, in order")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(request=QuestionSerializer, responses={201: QuestionSerializer, 400: ERROR_RESPONSE, 409: ERROR_RESPONSE},
                   summary="Add a question at the end of the script (flagged if it touches a protected characteristic)")
    def post(self, request, pk):
        position = _position_or_404(pk)
        question = services.add_question(by=request.user, position=position, **_valid(QuestionSerializer, request.data))
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailView(ObjectByPk, generics.GenericAPIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE
    serializer_class = QuestionSerializer

    def get_queryset(self):
        return Question.objects.select_related("position")

    @extend_schema(summary="One question of a script")
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=QuestionSerializer, responses={200: QuestionSerializer, 400: ERROR_RESPONSE}, summary="Edit a question")
    def patch(self, request, pk):
        question = self.get_object()
        values = _valid(QuestionSerializer, request.data, partial=True)
        question = services.update_question(by=request.user, question=question, **values)
        return Response(self.get_serializer(question).data)

    @extend_schema(responses={204: None}, summary="Delete a question")
    def delete(self, request, pk):
        services.delete_question(by=request.user, question=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuestionReorderView(APIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE

    @extend_schema(request=ReorderSerializer, responses={200: ScriptSerializer, 400: ERROR_RESPONSE},
                   summary="Set the order of the script from the full list of its question ids")
    def post(self, request, pk):
        position = _position_or_404(pk)
        question_ids = _valid(ReorderSerializer, request.data)["question_ids"]
        questions = services.reorder_questions(by=request.user, position=position, question_ids=question_ids)
        return Response(_script(position, questions))


class QuestionDraftView(APIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE

    @extend_schema(request=None, responses={201: ScriptSerializer, 409: ERROR_RESPONSE},
                   summary="Let the AI draft questions from the description; `questions` holds the drafted ones")
    def post(self, request, pk):
        position = _position_or_404(pk)
        drafted = services.draft_script_with_ai(by=request.user, position=position)
        return Response(_script(position, drafted), status=status.HTTP_201_CREATED)


class ScriptFreezeView(APIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE

    @extend_schema(
        request=None,
        responses={
            201: ScriptVersionSerializer,
            200: OpenApiResponse(ScriptVersionSerializer, description="Unchanged since the latest version, which is returned"),
            409: OpenApiResponse(ERROR_RESPONSE, description="The script has problems (question count, protected topics)"),
        },
        summary="Freeze the current script as a numbered version",
    )
    def post(self, request, pk):
        position = _position_or_404(pk)
        latest_id = position.script_versions.order_by("-number").values_list("pk", flat=True).first()
        version = services.freeze_script(by=request.user, position=position)
        created = version.pk != latest_id
        return Response(ScriptVersionSerializer(version).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ScriptVersionListView(generics.ListAPIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE
    serializer_class = ScriptVersionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ScriptVersion.objects.none()
        return _position_or_404(self.kwargs["pk"]).script_versions.order_by("-number")

    @extend_schema(summary="The frozen versions of the script, newest first")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


# --- Candidates -------------------------------------------------------------------------------


class PositionCandidatesView(generics.ListCreateAPIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE
    serializer_class = CandidateSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Candidate.objects.none()
        filters = _valid(CandidateFilterSerializer, self.request.query_params)
        position = _position_or_404(self.kwargs["pk"])
        return selectors.candidates_for_position(position, **filters)

    @extend_schema(parameters=[CandidateFilterSerializer], summary="The position's candidates, newest first unless `ordering` says otherwise")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(
        request={"application/json": CandidateWriteSerializer, "multipart/form-data": CandidateUploadSerializer},
        responses={201: CandidateDetailSerializer, 400: ERROR_RESPONSE, 409: DUPLICATE_RESPONSE},
        summary="Add a candidate, with a CV when sent as multipart (`cv`)",
    )
    def post(self, request, pk):
        position = _position_or_404(pk)
        values = dict(_upload(request, "cv", CandidateUploadSerializer, settings.CV_MAX_BYTES))
        allow_duplicate = values.pop("allow_duplicate", False)
        try:
            candidate = services.add_candidate(
                by=request.user, position=position, source=CandidateSource.API, allow_duplicate=allow_duplicate, **values,
            )
        except services.DuplicateCandidate as error:
            return _duplicate_response(error)
        return Response(CandidateDetailSerializer(candidate, context={"request": request}).data, status=status.HTTP_201_CREATED)


class CSVExportQuerySerializer(serializers.Serializer):
    delimiter = serializers.ChoiceField(
        choices=sorted(services.EXPORT_DELIMITERS), required=False,
        help_text="`semicolon` (what Excel in French reads) or `comma`; by default semicolon for users whose language is French",
    )


class CandidateExportView(APIView):
    permission_classes = [IsTenantMember, CanWrite]
    content_negotiation_class = JSONErrorsNegotiation

    @extend_schema(
        parameters=[CSVExportQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="UTF-8 with BOM; column names and statuses in the user's language; formula-like cells neutralised",
            ),
            400: ERROR_RESPONSE,
        },
        summary="The position's candidates as CSV (admins and recruiters; audited)",
    )
    def get(self, request, pk):
        position = _position_or_404(pk)
        delimiter = _valid(CSVExportQuerySerializer, request.query_params).get("delimiter")
        lines = services.export_candidates_csv(by=request.user, position=position, delimiter=delimiter)
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        filename = f"candidates-{slugify(position.title) or position.pk}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def check_permissions(self, request):
        """Reading the export is a write-level right: viewers are refused even though it is a GET."""
        super().check_permissions(request)
        if not request.user.can_write:
            self.permission_denied(request, message=_("Your role cannot export candidates."))


class CandidateImportView(APIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": CSVUploadSerializer},
        responses={201: IMPORT_RESPONSE, 200: OpenApiResponse(IMPORT_RESPONSE, description="No row was added"), 400: ERROR_RESPONSE},
        summary="Add candidates from a CSV file; every row is added whole or refused with a reason",
    )
    def post(self, request, pk):
        position = _position_or_404(pk)
        upload = _upload(request, "file", CSVUploadSerializer, settings.CSV_MAX_BYTES)["file"]
        report = services.import_candidates_csv(by=request.user, position=position, upload=upload)
        added = sum(1 for row in report if row["status"] == "added")
        body = {"added": added, "refused": len(report) - added, "rows": report}
        return Response(body, status=status.HTTP_201_CREATED if added else status.HTTP_200_OK)


class CandidateListView(generics.ListAPIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE
    serializer_class = CandidateSerializer

    def get_queryset(self):
        return selectors.all_candidates(**_valid(CandidateFilterSerializer, self.request.query_params))

    @extend_schema(parameters=[CandidateFilterSerializer], summary="Every candidate of the company, newest first unless `ordering` says otherwise")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


class CandidateDetailView(ObjectByPk, generics.GenericAPIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE
    serializer_class = CandidateDetailSerializer

    def get_queryset(self):
        return Candidate.objects.select_related("position", "decided_by")

    @extend_schema(summary="One candidate: CV, score with its evidence, pipeline status, decision")
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=CandidateWriteSerializer,
                   responses={200: CandidateDetailSerializer, 400: ERROR_RESPONSE, 409: DUPLICATE_RESPONSE},
                   summary="Change a candidate's details")
    def patch(self, request, pk):
        candidate = self.get_object()
        values = dict(_valid(CandidateWriteSerializer, request.data, partial=True))
        allow_duplicate = values.pop("allow_duplicate", False)
        try:
            candidate = services.update_candidate(by=request.user, candidate=candidate, allow_duplicate=allow_duplicate, **values)
        except services.DuplicateCandidate as error:
            return _duplicate_response(error)
        return Response(self.get_serializer(candidate).data)

    @extend_schema(responses={204: None}, summary="Erase a candidate: the row, its files and everything derived from them")
    def delete(self, request, pk):
        services.erase_candidate(by=request.user, candidate=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CandidateCVView(APIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE
    parser_classes = [MultiPartParser]
    content_negotiation_class = JSONErrorsNegotiation

    @extend_schema(
        responses={
            (200, *CV_CONTENT_TYPES): OpenApiResponse(OpenApiTypes.BINARY, description="The CV file, as an attachment, in its own type"),
            302: OpenApiResponse(description="Object storage: a short-lived signed URL"),
            404: ERROR_RESPONSE,
        },
        summary="Download the candidate's CV (audited)",
    )
    def get(self, request, pk):
        candidate = _candidate_or_404(pk)
        try:
            return cv_download_response(request, candidate)
        except CVMissing as missing:
            no_cv = not candidate.cv_file
            raise NotFound(_("This candidate has no CV.") if no_cv else _("The CV file is missing from storage.")) from missing

    @extend_schema(request={"multipart/form-data": CVUploadSerializer},
                   responses={200: CandidateDetailSerializer, 400: ERROR_RESPONSE},
                   summary="Replace the candidate's CV; scoring starts again")
    def put(self, request, pk):
        candidate = _candidate_or_404(pk)
        upload = _upload(request, "cv", CVUploadSerializer, settings.CV_MAX_BYTES)["cv"]
        candidate = services.replace_cv(by=request.user, candidate=candidate, cv=upload)
        return Response(CandidateDetailSerializer(candidate, context={"request": request}).data)

    @extend_schema(request={"multipart/form-data": CVUploadSerializer},
                   responses={200: CandidateDetailSerializer, 400: ERROR_RESPONSE},
                   summary="Replace the candidate's CV (same as PUT, for clients that only post forms)")
    def post(self, request, pk):
        return self.put(request, pk)


class CandidateScoreView(APIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE

    @extend_schema(request=None, responses={202: SCORING_RESPONSE}, summary="Score the CV again")
    def post(self, request, pk):
        candidate = queue_scoring(_candidate_or_404(pk), by=request.user)
        return Response(
            {"scoring_status": candidate.scoring_status, "scoring_status_label": candidate.get_scoring_status_display()},
            status=status.HTTP_202_ACCEPTED,
        )


class CandidateDecisionView(APIView):
    permission_classes = MEMBERS_READ_WRITERS_WRITE

    @extend_schema(request=DecisionSerializer, responses={200: CandidateDetailSerializer, 400: ERROR_RESPONSE},
                   summary="Record the recruiter's decision (the AI only advises)")
    def post(self, request, pk):
        candidate = _candidate_or_404(pk)
        values = _valid(DecisionSerializer, request.data)
        candidate = services.decide(by=request.user, candidate=candidate, decision=values["decision"], comment=values.get("comment", ""))
        return Response(CandidateDetailSerializer(candidate, context={"request": request}).data)
