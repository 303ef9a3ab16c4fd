"""What erasing a candidate takes from interviews (registered with recruiting.erasure): the stored
recordings (their paths are deleted once the erasure commits) and every interview row (the
database cascades from the candidate). Recordings still held by the provider are deleted there."""

from interviews.models import Answer
from recruiting.erasure import register_eraser


@register_eraser
def erase_interview_recordings(candidate):
    return [key for key in Answer.objects.filter(interview__candidate=candidate).exclude(storage_key="")
            .values_list("storage_key", flat=True)]
