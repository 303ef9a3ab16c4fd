"""What the interviews app does when consent changes (consent never imports it)."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from consent.models import ConsentRecord
from consent.signals import consent_withdrawn
from interviews.services import cancel_pending_interviews


@receiver(consent_withdrawn, sender=ConsentRecord, dispatch_uid="interviews.cancel_on_withdrawal")
def cancel_interviews_on_withdrawal(sender, candidate, record, **kwargs):
    cancel_pending_interviews(candidate, reason=_("Consent withdrawn."))
