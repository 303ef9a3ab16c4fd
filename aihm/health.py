"""The checks behind `GET /health`: each answers up or down, and only the log says why."""

import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections

logger = logging.getLogger("aihm.health")

CHECK_TIMEOUT_SECONDS = 2


def database_is_up():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def broker_is_up():
    """Redis answers PING; or, for the embedded filesystem broker, its folders are writable."""
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS,
        )
        try:
            return client.ping() is True
        finally:
            client.close()
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    folders = [Path(path) for key, path in options.items() if key.endswith("folder") or key.startswith("data_folder")]
    return bool(folders) and all(folder.is_dir() and os.access(folder, os.W_OK) for folder in folders)


def storage_is_up():
    """The S3 bucket answers HEAD; or the local media folder exists (or can be made) and is writable."""
    if settings.S3_BUCKET:
        return s3_bucket_is_reachable(default_storage)
    location = Path(default_storage.location)
    location.mkdir(parents=True, exist_ok=True)
    return location.is_dir() and os.access(location, os.W_OK)


def s3_bucket_is_reachable(storage):
    """HEAD on the bucket with the storage's own endpoint and credentials, but with short timeouts
    and no retries, so that /health answers quickly when S3 is away."""
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3",
        endpoint_url=storage.endpoint_url or None,
        aws_access_key_id=storage.access_key or None,
        aws_secret_access_key=storage.secret_key or None,
        region_name=storage.region_name or None,
        config=Config(
            connect_timeout=CHECK_TIMEOUT_SECONDS,
            read_timeout=CHECK_TIMEOUT_SECONDS,
            retries={"max_attempts": 1, "mode": "standard"},
            s3={"addressing_style": getattr(storage, "addressing_style", None)},
        ),
    )
    try:
        client.head_bucket(Bucket=storage.bucket_name)
    finally:
        client.close()
    return True


CHECKS = {"database": database_is_up, "broker": broker_is_up, "storage": storage_is_up}


def run_checks():
    """{name: True/False}; an exception is a failure, logged by its type only."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = bool(check())
        except Exception as error:  # noqa: BLE001  a health check must answer, whatever broke
            logger.warning("health check %s failed: %s", name, type(error).__name__)
            results[name] = False
    return results
