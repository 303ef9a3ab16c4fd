"""Events other apps react to; consent never imports them.

`consent_withdrawn(sender=ConsentRecord, candidate, record)` is sent when a standing consent is
withdrawn (by the candidate, a recruiter or on the phone), inside the withdrawal's transaction
and tenant context: the interview pipeline connects to it to cancel the candidate's queued and
scheduled calls (enqueue follow-up work with `delay_on_commit`).
"""

from django.dispatch import Signal

consent_withdrawn = Signal()
