"""Serving a candidate's CV: from local storage as an attachment, or through a short-lived signed
URL on S3; audited, never cached, never sniffed. Used by the dashboard and the API."""

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from accounts.services import audit


class CVMissing(Exception):
    """The candidate has no CV, or its file is gone from storage."""


def cv_download_response(request, candidate):
    if not candidate.cv_file:
        raise CVMissing("no CV")
    filename = candidate.cv_filename or "cv"
    content_type = candidate.cv_content_type or "application/octet-stream"
    if getattr(default_storage, "querystring_auth", False):
        response = HttpResponseRedirect(default_storage.url(candidate.cv_file.name, parameters={
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type,
        }))
    else:
        try:
            handle = default_storage.open(candidate.cv_file.name, "rb")
        except FileNotFoundError:
            raise CVMissing("missing from storage") from None
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    audit(request.user, "candidate.cv_downloaded", candidate, request=request)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
