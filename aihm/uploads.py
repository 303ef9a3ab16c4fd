"""Uploads are cut off as soon as they pass the size limit, instead of being read whole first."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class SizeLimitedUploadHandler(FileUploadHandler):
    """First upload handler: stops reading a request whose files pass MAX_UPLOAD_BYTES and marks
    the request, so that views can say "too large" instead of "missing"."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        self.request_too_large = bool(content_length and content_length > settings.MAX_UPLOAD_BYTES + 64 * 1024)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.request_too_large or self.received > settings.MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None
