"""The recruiters' dashboard inbox: what the pipeline and the candidates' answers put there, and
how it reads. The text of a notification is made when it is shown, in the reader's language."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recruiting.models import Notification, NotificationKind

K = NotificationKind

MESSAGES = {
    K.REPORT_READY: lambda name, detail: _("The report on %(candidate)s is ready.") % {"candidate": name},
    K.INTERVIEW_FAILED: lambda name, detail: (
        _("The interview of %(candidate)s failed: %(reason)s") % {"candidate": name, "reason": detail} if detail
        else _("The interview of %(candidate)s failed.") % {"candidate": name}),
    K.INTERVIEW_UNREACHABLE: lambda name, detail: _("%(candidate)s could not be reached by phone.") % {"candidate": name},
    K.CONSENT_GRANTED: lambda name, detail: _("%(candidate)s agreed to the screening call.") % {"candidate": name},
    K.CONSENT_DECLINED: lambda name, detail: _("%(candidate)s declined the screening call.") % {"candidate": name},
    K.CONSENT_WITHDRAWN: lambda name, detail: _("%(candidate)s withdrew their consent.") % {"candidate": name},
}


def notify(*, user, kind, candidate, link, detail=""):
    """One line in `user`'s inbox, in the active tenant; nobody to tell (no user, an inactive
    one, or one of another company) puts nothing there."""
    if user is None or not user.is_active or str(user.tenant_id) != str(candidate.tenant_id):
        return None
    return Notification.objects.create(user=user, candidate=candidate, kind=kind, link=link, detail=str(detail)[:300])


def unread_count(user):
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox(user, *, unread_only=False):
    notes = Notification.objects.filter(user=user).select_related("candidate__position")
    return notes.filter(read_at__isnull=True) if unread_only else notes


def message(notification):
    return MESSAGES[notification.kind](notification.candidate.full_name, notification.detail)


def mark_read(*, user, notification_id=None):
    """Mark one of `user`'s notifications read (or all of them); returns how many changed."""
    unread = Q(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread &= Q(pk=notification_id)
    with transaction.atomic():
        return Notification.objects.filter(unread).update(read_at=timezone.now())


def purge_before(cutoff):
    """Delete the active tenant's inbox lines made before `cutoff`; how many went."""
    return Notification.objects.filter(created_at__lt=cutoff).delete()[0]
