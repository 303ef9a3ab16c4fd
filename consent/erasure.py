"""What erasing a candidate takes from consent (registered with recruiting.erasure).

The records of the candidate's decisions stay as proof that nobody was called without consent,
but lose every personal field (IP address, browser, the recruiter's note, the link to the
candidate); the candidate id stays, as in the audit log. Requests, their links, preferred call
times and call-back codes go.
"""

from consent.models import CallbackCode, CallTimePreference, ConsentRecord, ConsentRequest
from recruiting.erasure import register_eraser


@register_eraser
def erase_consent_data(candidate):
    ConsentRecord.objects.filter(candidate=candidate).scrub_personal_data()
    CallTimePreference.objects.filter(candidate=candidate).delete()
    ConsentRequest.objects.filter(candidate=candidate).delete()
    CallbackCode.objects.filter(candidate=candidate).delete()
    return []
