"""An answer's recording, to the company's members only, audited: served here with HTTP Range
(a browser's audio player seeks with it), or through a short signed URL on S3."""

import re

from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from accounts.services import audit
from accounts.views import member_required
from interviews.models import Answer, AnswerState

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _audit_listen(request, answer):
    """One line per listening, not per seek: the first request of a playback has no Range, or
    starts at byte 0."""
    header = request.headers.get("Range", "")
    if not header or header.startswith("bytes=0-"):
        audit(request.user, "interview.audio_played", answer.interview.candidate, request=request,
              interview=str(answer.interview_id), question=answer.question_index)


@member_required
@require_GET
def answer_audio(request, pk):
    answer = get_object_or_404(Answer.objects.select_related("interview__candidate"), pk=pk, state=AnswerState.STORED)
    if not answer.storage_key:
        raise Http404
    _audit_listen(request, answer)
    if getattr(default_storage, "querystring_auth", False):
        return _private(HttpResponseRedirect(default_storage.url(answer.storage_key, parameters={"ResponseContentType": "audio/wav"})))
    try:
        with default_storage.open(answer.storage_key, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    return _private(_ranged(request, data))


def _ranged(request, data):
    """The whole file (200), one byte range of it (206), or 416 for a range outside it."""
    size = len(data)
    match = RANGE.match(request.headers.get("Range", "").strip())
    if not match or match.groups() == ("", ""):
        response = HttpResponse(data, content_type="audio/wav")
    else:
        first, last = match.groups()
        if first == "":
            start, end = max(0, size - int(last)), size - 1
        else:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        if start >= size or start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        response = HttpResponse(data[start:end + 1], status=206, content_type="audio/wav")
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response


def _private(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
