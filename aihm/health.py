"""The checks behind `GET /health`: each answers up or down, and only the log says why."""

import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections

logger = logging.getLogger("aihm.health")


def database_is_up():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def broker_is_up():
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        try:
            return client.ping() is True
        finally:
            client.close()
    from pathlib import Path

    import os

    folders = [Path(p) for key, p in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items() if key.endswith("folder") or key.startswith("data_folder")]
    return all(folder.is_dir() and os.access(folder, os.W_OK) for folder in folders)


def storage_is_up():
    if settings.S3_BUCKET:
        default_storage.bucket.meta.client.head_bucket(Bucket=settings.S3_BUCKET)
        return True
    import os

    location = default_storage.location
    os.makedirs(location, exist_ok=True)
    return os.access(location, os.W_OK)


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
