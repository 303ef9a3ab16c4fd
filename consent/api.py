"""Consent API.

Recruiters (JWT, inside their tenant): grant-consent (send the request, or record a consent they
obtained), the candidate's consent state, withdrawal on the candidate's behalf, and the export
of everything held about a candidate. Candidates (public, no account, throttled): what they are
asked to accept, and their answer, through the token of their link; the link's company is found
by the token's hash (consent.services.opened_request), never from a user.
"""

from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsTenantMember, IsWriter
from accounts.services import client_ip
from aihm.api import JSONErrorsNegotiation, PublicThrottle
from consent import selectors, services
from consent.calling_hours import calling_hours
from consent.models import ConsentRecord, ConsentRequest, Coverage
from consent.notice import NOTICE_LANGUAGES, notice_facts
from recruiting.models import Candidate, InterviewLanguage


def candidate_or_404(pk):
    """A candidate of the caller's company with its position, or the API's plain 404 (the
    interviews API uses it too)."""
    candidate = Candidate.objects.select_related("position").filter(pk=pk).first()
    if candidate is None:
        raise NotFound("Not found.")
    return candidate


# --- Serializers ------------------------------------------------------------------------------


class ConsentRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentRequest
        fields = ("id", "state", "language", "created_at", "sent_at", "expires_at", "reminders_sent",
                  "last_reminded_at", "answered_at")


class ConsentRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentRecord
        fields = ("id", "decision", "channel", "covers", "text_version", "text_hash", "language", "created_at",
                  "recorded_by", "note")


class CandidateConsentSerializer(serializers.Serializer):
    candidate = serializers.UUIDField(source="candidate.pk")
    status = serializers.CharField(source="candidate.status")
    consent_status = serializers.CharField(source="consent.status")
    request = ConsentRequestSerializer(source="consent.request", allow_null=True)
    records = ConsentRecordSerializer(source="consent.records", many=True)
    preferred_times = serializers.ListField(source="consent.preferred_times", child=serializers.DictField())


class GrantConsentSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=[("email", "email"), ("recruiter", "recruiter")], default="email")
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.MAX_NOTE_LENGTH, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=services.MAX_NOTE_LENGTH)


class WindowSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    start = serializers.CharField(max_length=5)
    end = serializers.CharField(max_length=5)


class AnswerSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=InterviewLanguage.choices, required=False)
    notice_hash = serializers.CharField(required=False, max_length=64, help_text="The notice hash from GET consent/{token}: needed to accept, refused (400) if the notice changed since.")


class AcceptSerializer(AnswerSerializer):
    preferred_times = WindowSerializer(many=True, required=False)


def _consent_body(candidate, user):
    return CandidateConsentSerializer(selectors.consent_panel(candidate, user)).data


# --- Recruiters ---------------------------------------------------------------------------------


class CandidateConsentView(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(responses=CandidateConsentSerializer, summary="A candidate's consent: state, latest request, decisions")
    def get(self, request, pk):
        return Response(_consent_body(candidate_or_404(pk), request.user))


class GrantConsentView(APIView):
    permission_classes = [IsTenantMember, IsWriter]

    @extend_schema(
        request=GrantConsentSerializer, responses={201: CandidateConsentSerializer},
        summary="Send the consent request by email, or record a consent the recruiter obtained (channel recruiter, with a note)",
    )
    def post(self, request, pk):
        candidate = candidate_or_404(pk)
        payload = GrantConsentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if payload.validated_data["channel"] == "recruiter":
            services.record_recruiter_consent(candidate=candidate, by=request.user, note=payload.validated_data["note"], request=request)
        else:
            services.request_consent(candidate=candidate, by=request.user, request=request)
        return Response(_consent_body(candidate, request.user), status=status.HTTP_201_CREATED)


class WithdrawConsentView(APIView):
    permission_classes = [IsTenantMember, IsWriter]

    @extend_schema(request=NoteSerializer, responses={201: CandidateConsentSerializer},
                   summary="Withdraw the candidate's consent on their behalf (the note says how they asked)")
    def post(self, request, pk):
        candidate = candidate_or_404(pk)
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.withdraw_on_behalf(candidate=candidate, by=request.user, note=payload.validated_data["note"], request=request)
        return Response(_consent_body(candidate, request.user), status=status.HTTP_201_CREATED)


class CandidateExportView(APIView):
    permission_classes = [IsTenantMember, IsWriter]
    # The archive is a FileResponse; whatever the client asks for (`?format=zip` too), errors are JSON.
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsNegotiation

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(description="data.json and files/ (CV, ...)")},
                   summary="Everything held about a candidate (right of access), as a zip; audited")
    def get(self, request, pk):
        candidate = candidate_or_404(pk)
        archive = services.export_candidate(by=request.user, candidate=candidate, request=request)
        return FileResponse(archive, as_attachment=True, filename=f"candidate-{candidate.pk}.zip", content_type="application/zip")


# --- Candidates (public) ------------------------------------------------------------------------

PUBLIC_CONSENT = inline_serializer("PublicConsent", fields={
    "company": serializers.CharField(),
    "position": serializers.CharField(),
    "candidate_name": serializers.CharField(),
    "language": serializers.CharField(),
    "languages": serializers.ListField(child=serializers.CharField()),
    "expires_at": serializers.DateTimeField(),
    "caller_is_ai": serializers.BooleanField(),
    "call_is_recorded": serializers.BooleanField(),
    "answers_are_transcribed": serializers.BooleanField(),
    "a_person_decides": serializers.BooleanField(),
    "covers": serializers.ListField(child=serializers.DictField()),
    "retention": serializers.DictField(),
    "contact": serializers.DictField(),
    "calling_hours": serializers.DictField(),
    "notice": serializers.DictField(),
})
ANSWERED = inline_serializer("ConsentAnswer", fields={"decision": serializers.CharField(), "created_at": serializers.DateTimeField()})


class PublicView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    tenant_free = True  # the link decides the tenant, never a bearer token sent along
    throttle_classes = [PublicThrottle]


class PublicConsentView(PublicView):
    @extend_schema(responses={200: PUBLIC_CONSENT, 404: OpenApiResponse(description="Unknown, expired, used or altered link")},
                   summary="Public: what the candidate is asked to accept (?lang=fr|en|ar)")
    def get(self, request, token):
        with services.opened_request(token) as consent_request:
            if consent_request is None or not consent_request.is_answerable():
                raise services.ConsentLinkInvalid()
            language = services.page_language(request.query_params.get("lang"), consent_request)
            candidate = consent_request.candidate
            facts = notice_facts(candidate, sender=consent_request.created_by)
            notice = services.notice_for(consent_request, language)
            hours = calling_hours()
            return Response({
                "company": facts["company"],
                "position": facts["position"],
                "candidate_name": candidate.full_name,
                "language": language,
                "languages": [consent_request.language] + [c for c in NOTICE_LANGUAGES if c != consent_request.language],
                "expires_at": consent_request.expires_at,
                "caller_is_ai": True,
                "call_is_recorded": True,
                "answers_are_transcribed": True,
                "a_person_decides": True,
                "covers": [{"code": code, "label": str(Coverage(code).label)} for code in notice.covers],
                "retention": {"recordings_days": facts["recordings_days"], "reports_months": facts["reports_months"],
                              "other_data_months": facts["other_data_months"]},
                "contact": {"company": facts["company"], "name": facts["contact_name"], "email": facts["contact_email"]},
                "calling_hours": {"days": list(hours.days), "start": hours.start.strftime("%H:%M"), "end": hours.end.strftime("%H:%M")},
                "notice": {"version": notice.text_version, "hash": notice.text_hash, "html": notice.html},
            })


def _answer(request, service, serializer_class, token):
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    values = {"notice_hash": None, **payload.validated_data}
    if "preferred_times" in values:
        values["preferred_times"] = [dict(window) for window in values["preferred_times"]]
    record = service(token=token, ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""), **values)
    return Response({"decision": record.decision, "created_at": record.created_at}, status=status.HTTP_201_CREATED)


class AcceptConsentView(PublicView):
    @extend_schema(request=AcceptSerializer, responses={201: ANSWERED}, summary="Public: the candidate accepts")
    def post(self, request, token):
        return _answer(request, services.accept, AcceptSerializer, token)


class DeclineConsentView(PublicView):
    @extend_schema(request=AnswerSerializer, responses={201: ANSWERED}, summary="Public: the candidate declines")
    def post(self, request, token):
        return _answer(request, services.decline, AnswerSerializer, token)


class WithdrawOwnConsentView(PublicView):
    @extend_schema(request=inline_serializer("WithdrawConsent", fields={"language": serializers.ChoiceField(choices=InterviewLanguage.choices, required=False)}),
                   responses={201: ANSWERED}, summary="Public: the candidate withdraws a consent given earlier")
    def post(self, request, token):
        language = request.data.get("language")
        record = services.withdraw(token=token, ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""),
                                   language=language if language in NOTICE_LANGUAGES else None)
        return Response({"decision": record.decision, "created_at": record.created_at}, status=status.HTTP_201_CREATED)
