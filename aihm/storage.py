"""The file storages: a write that the storage cannot take (a full or read-only disk, an S3 that
does not answer) is StorageUnavailable, a 503 that says nothing was saved, not a 500."""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from aihm.errors import StorageUnavailable

logger = logging.getLogger("aihm.storage")


def _unavailable(error):
    logger.warning("file storage refused a write: %s", type(error).__name__)
    return StorageUnavailable()


class LocalMediaStorage(FileSystemStorage):
    """The local media folder (the embedded default)."""

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError as error:
            raise _unavailable(error) from error


class MediaS3Storage(S3Storage):
    """S3 or MinIO (production)."""

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except (BotoCoreError, ClientError, OSError) as error:
            raise _unavailable(error) from error
