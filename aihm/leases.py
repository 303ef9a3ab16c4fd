"""Leases on claimed work: while a slow call runs, a helper thread keeps renewing the claim, so that
a sweeper can take back quickly the claims of a worker that died (no renewal) without ever taking
one that is still being worked on."""

import contextvars
import logging
import threading
from contextlib import contextmanager

from django.db import connections

logger = logging.getLogger("aihm.leases")


@contextmanager
def renewing(renew, *, every_seconds):
    """Call `renew()` every `every_seconds` until the block ends. The thread runs in a copy of the
    caller's context (the tenant included, so its own database connection is scoped the same
    way) and closes its connections when it stops; a failed renewal is logged and tried again."""
    stop = threading.Event()

    def keep_renewing():
        try:
            while not stop.wait(every_seconds):
                try:
                    renew()
                except Exception as error:  # noqa: BLE001  the work goes on; the next renewal may succeed
                    logger.warning("lease renewal failed: %s", type(error).__name__)
        finally:
            connections.close_all()

    thread = threading.Thread(target=contextvars.copy_context().run, args=(keep_renewing,), name="lease-renewal", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
