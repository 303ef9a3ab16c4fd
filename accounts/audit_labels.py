"""What the audit log shows a person: a translated label for each action, and each target's name
with a link to it, looked up when the page is drawn (the log itself holds ids only, so that an
erased person's name never outlives them in it).

Accounts sits below the apps whose objects the log points at: those apps register how their
objects are named and linked (`register_target`, from their AppConfig.ready), as with the erasers.
"""

from dataclasses import dataclass
from typing import Callable

from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# One label per action code the product writes; an unknown code is shown as it is.
ACTION_LABELS = {
    "tenant.registered": _("Company registered"),
    "login": _("Signed in"),
    "login.failed": _("Failed sign-in"),
    "login.locked_out": _("Sign-in locked"),
    "password.changed": _("Password changed"),
    "password.reset": _("Password reset"),
    "user.invited": _("Member invited"),
    "user.invitation_accepted": _("Invitation accepted"),
    "user.role_changed": _("Role changed"),
    "user.removed": _("Member removed"),
    "user.profile_updated": _("Profile updated"),
    "position.created": _("Position created"),
    "position.updated": _("Position updated"),
    "position.deleted": _("Position deleted"),
    "question.created": _("Question added"),
    "question.updated": _("Question updated"),
    "question.deleted": _("Question deleted"),
    "script.reordered": _("Questions reordered"),
    "script.drafted": _("Questions drafted by the AI"),
    "script.frozen": _("Script frozen"),
    "candidate.created": _("Candidate added"),
    "candidate.updated": _("Candidate updated"),
    "candidate.cv_replaced": _("CV replaced"),
    "candidate.cv_downloaded": _("CV downloaded"),
    "candidate.scoring_requested": _("CV scoring requested"),
    "candidate.decided": _("Decision recorded"),
    "candidate.erased": _("Candidate erased"),
    "candidate.exported": _("Candidate's data exported"),
    "candidates.imported": _("Candidates imported (CSV)"),
    "candidates.exported": _("Candidates exported (CSV)"),
    "consent.requested": _("Consent requested"),
    "consent.granted": _("Consent given"),
    "consent.declined": _("Consent declined"),
    "consent.recorded_by_recruiter": _("Consent noted by a recruiter"),
    "consent.withdrawn": _("Consent withdrawn"),
    "calling_hours.updated": _("Calling hours changed"),
    "interview.scheduled": _("Phone interview scheduled"),
    "interview.rescheduled": _("Phone interview rescheduled"),
    "interview.cancelled": _("Phone interview cancelled"),
    "interview.simulated_call_back": _("Simulated candidate made to call back"),
    "interview.audio_played": _("Interview answer listened to"),
    "interview.report_downloaded": _("Interview report downloaded"),
    "interview.pipeline_retried": _("Interview transcription or analysis retried"),
    "interview.reanalysed": _("Interview analysed again"),
    "call_policy.updated": _("Call policy changed"),
    "consent.call_times_set": _("Call times chosen"),
    "consent.expired": _("Consent request expired"),
    "consent.reminded": _("Consent reminder sent"),
    "retention.updated": _("Retention periods changed"),
    "retention.applied": _("Data past its retention period erased"),
    "staff.viewed": _("Viewed by AIHM staff"),
    "staff.created": _("Created by AIHM staff"),
    "staff.changed": _("Changed by AIHM staff"),
    "staff.deleted": _("Deleted by AIHM staff"),
    "staff.password_set": _("Password set by AIHM staff"),
}


def action_label(action):
    return ACTION_LABELS.get(action, action)


@dataclass(frozen=True)
class TargetKind:
    """How the log names and links one model's objects, and what it says once one is gone."""

    gone: str
    url: Callable[[object], str] | None = None
    fields: tuple = ()
    name: Callable[[object], str] = str


_TARGET_KINDS = {}


def register_target(model_label, *, gone, url=None, fields=(), name=str):
    """`model_label` as the log stores it ("recruiting.candidate"); `fields` are all that `name`
    and `url` read (the look-up loads no more)."""
    _TARGET_KINDS[model_label] = TargetKind(gone=gone, url=url, fields=tuple(fields), name=name)


@dataclass(frozen=True)
class Target:
    name: str
    url: str = ""
    exists: bool = True


def resolve_targets(entries):
    """{(target_type, target_id): Target} for these entries: one query per kind of target on the
    page, whatever the number of entries; a target that is gone gets its kind's "gone" label."""
    wanted = {}
    for entry in entries:
        if entry.target_type and entry.target_id:
            wanted.setdefault(entry.target_type, set()).add(entry.target_id)
    targets = {}
    for target_type, ids in wanted.items():
        kind, model = _TARGET_KINDS.get(target_type), _model(target_type)
        if kind is None or model is None:
            label = str(model._meta.verbose_name) if model else target_type
            targets.update({(target_type, pk): Target(name=label) for pk in ids})
            continue
        found = model._default_manager.filter(pk__in=_valid_pks(model, ids))
        if kind.fields:
            found = found.only("pk", *kind.fields)
        by_pk = {str(obj.pk): obj for obj in found}
        for pk in ids:
            obj = by_pk.get(pk)
            targets[(target_type, pk)] = (
                Target(name=kind.name(obj), url=kind.url(obj) if kind.url else "") if obj is not None
                else Target(name=str(kind.gone), exists=False)
            )
    return targets


def _model(target_type):
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def _valid_pks(model, ids):
    """The ids that can be primary keys of this model (a malformed one would make the query fail)."""
    valid = []
    for pk in ids:
        try:
            valid.append(model._meta.pk.to_python(pk))
        except ValidationError:
            continue
    return valid


register_target("accounts.user", gone=_("Former member"), fields=("full_name", "email"),
                url=lambda user: reverse("accounts:team"))
register_target("accounts.tenant", gone=_("Company"), fields=("name",))
