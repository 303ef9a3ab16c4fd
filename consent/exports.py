"""The parts of a candidate's archive that recruiting and consent hold (see consent.rights)."""

from django.utils.text import get_valid_filename

from consent.models import CallTimePreference, ConsentRecord, ConsentRequest
from consent.rights import ExportPart, register_exporter

CANDIDATE_FIELDS = (
    "id", "full_name", "email", "phone", "timezone", "source", "notes", "status",
    "cv_filename", "cv_content_type", "cv_size", "cv_text",
    "scoring_status", "cv_score", "cv_score_details", "scored_at", "first_report_at", "decision", "decided_at",
    "created_at", "updated_at",
)
RECORD_FIELDS = (
    "id", "decision", "channel", "covers", "text_version", "text_hash", "language", "created_at",
    "ip", "user_agent", "note",
)
REQUEST_FIELDS = (
    "id", "state", "language", "created_at", "sent_at", "expires_at", "reminders_sent",
    "last_reminded_at", "answered_at",
)


@register_exporter
def candidate_part(candidate):
    data = {name: getattr(candidate, name) for name in CANDIDATE_FIELDS}
    data["position"] = {"id": candidate.position_id, "title": candidate.position.title, "language": candidate.position.language}
    files = []
    if candidate.cv_file.name:
        files.append((f"cv/{get_valid_filename(candidate.cv_filename or 'cv') or 'cv'}", candidate.cv_file.name))
    return ExportPart(name="candidate", data=data, files=files)


@register_exporter
def consent_part(candidate):
    records = ConsentRecord.objects.filter(candidate=candidate).select_related("recorded_by").order_by("id")
    preference = CallTimePreference.objects.filter(candidate=candidate).first()
    return ExportPart(name="consent", data={
        "records": [
            {**{name: getattr(record, name) for name in RECORD_FIELDS},
             "recorded_by": record.recorded_by.full_name if record.recorded_by else None}
            for record in records
        ],
        "requests": list(ConsentRequest.objects.filter(candidate=candidate).order_by("created_at").values(*REQUEST_FIELDS)),
        "preferred_call_times": preference.windows if preference else [],
    })
