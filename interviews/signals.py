"""Events of the interviews app that later stages connect to.

`interview_audio_complete(sender=Interview, interview_id, tenant_id)` is sent once the call has
ended and every answered question's audio is stored (or known missing), after the commit: the
transcription stage starts there.
"""

from django.dispatch import Signal

interview_audio_complete = Signal()
