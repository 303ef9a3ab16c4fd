"""The candidate's right of access: everything held about a candidate, as a JSON + files archive.

Each app contributes its part through `register_exporter` (recruiting's fields and CV and the
consent records are registered below; the interview pipeline adds transcripts, analyses and
recordings the same way), so that the archive grows with the product and nothing is forgotten.
"""

import json
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

ARCHIVE_IN_MEMORY_BYTES = 8 * 1024 * 1024
_exporters = []


@dataclass
class ExportPart:
    """One section of the archive: `data` goes into data.json under `name`; each file is
    (path inside the archive, storage key) and is copied from storage into `files/`."""

    name: str
    data: object
    files: list = field(default_factory=list)


def register_exporter(exporter):
    """`exporter(candidate)` runs inside the tenant's context and returns an ExportPart or None."""
    if exporter not in _exporters:
        _exporters.append(exporter)
    return exporter


def collect(candidate):
    return [part for part in (exporter(candidate) for exporter in _exporters) if part is not None]


def build_archive(candidate):
    """A zip (spooled to disk past a few MB): data.json, then every file under files/."""
    parts = collect(candidate)
    document = {
        "format": "aihm-candidate-export/1",
        "exported_at": timezone.now(),
        "candidate_id": str(candidate.pk),
        **{part.name: part.data for part in parts},
    }
    archive = tempfile.SpooledTemporaryFile(max_size=ARCHIVE_IN_MEMORY_BYTES)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("data.json", json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for part in parts:
            for archive_path, storage_key in part.files:
                if storage_key and default_storage.exists(storage_key):
                    with default_storage.open(storage_key, "rb") as source, zipped.open(f"files/{archive_path}", "w") as target:
                        for chunk in iter(lambda: source.read(64 * 1024), b""):
                            target.write(chunk)
    archive.seek(0)
    return archive
