"""CV uploads: checked by content (never by name), size-limited, then turned into text.

Accepted: PDF, DOCX and plain text. A PDF without a text layer (a scan) is accepted and says so;
a renamed executable, an empty, oversize or damaged file is refused with a readable reason.
"""

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from aihm.errors import Invalid

PDF, DOCX, TEXT = "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/plain"
MAX_PDF_PAGES = 40
MAX_TEXT_CHARS = 100_000
MAX_DOCX_UNCOMPRESSED = 50 * 1024 * 1024


@dataclass(frozen=True)
class CVContent:
    content_type: str
    text: str  # "" when the file has no text layer

    @property
    def has_text(self):
        return bool(self.text.strip())


def _refuse(message):
    raise Invalid(message, field="cv")


def _sniff(head, upload):
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                total = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            _refuse(_("The DOCX file is damaged and cannot be read."))
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            _refuse(_("Only PDF, DOCX and plain-text CVs are accepted; this archive is not a Word document."))
        if total > MAX_DOCX_UNCOMPRESSED:
            _refuse(_("The DOCX file is too large once unpacked."))
        return DOCX
    return TEXT


def decode_text(data):
    """Text from bytes in UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252 (what
    Excel and Word save in France and Morocco); None when it is none of them."""
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    for encoding in ("utf-8-sig", "utf-16") if utf16 else ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _decode_text(data):
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        _refuse(_("Only PDF, DOCX and plain-text CVs are accepted; this file is none of them."))
    text = decode_text(data)
    if text is None:
        _refuse(_("Only PDF, DOCX and plain-text CVs are accepted; this file is none of them."))
    printable = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    if not text.strip() or printable / len(text) < 0.95:
        _refuse(_("Only PDF, DOCX and plain-text CVs are accepted; this file is none of them."))
    return text


def _pdf_text(upload):
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(upload)
        if reader.is_encrypted and not reader.decrypt(""):
            _refuse(_("The PDF is protected by a password; upload an unprotected copy."))
        pages = reader.pages[:MAX_PDF_PAGES]
        return "\n".join(page.extract_text() or "" for page in pages)
    except Invalid:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        _refuse(_("The PDF is damaged and cannot be read."))


def _docx_text(upload):
    import docx

    try:
        document = docx.Document(upload)
    except Exception:  # noqa: BLE001  python-docx raises many unrelated types on broken files
        _refuse(_("The DOCX file is damaged and cannot be read."))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def clean_text(text):
    text = unicodedata.normalize("NFC", text or "").replace("\x00", "")
    text = re.sub(r"[ \t\f\v]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text)
    return text.strip()[:MAX_TEXT_CHARS]


def read_cv(upload):
    """Check an uploaded CV and extract its text; raises Invalid(field="cv") with the reason."""
    size = getattr(upload, "size", None)
    if not size:
        _refuse(_("The CV file is empty."))
    if size > settings.CV_MAX_BYTES:
        _refuse(_("The CV is larger than %(size)s.") % {"size": filesizeformat(settings.CV_MAX_BYTES)})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    content_type = _sniff(head, upload)
    upload.seek(0)
    if content_type == PDF:
        text = _pdf_text(upload)
    elif content_type == DOCX:
        text = _docx_text(upload)
    else:
        text = _decode_text(upload.read())
    upload.seek(0)
    return CVContent(content_type, clean_text(text))


def read_cv_bytes(data, name="cv"):
    """The same checks for bytes already in hand (seed data, API clients sending base64)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return read_cv(SimpleUploadedFile(name, data)), io.BytesIO(data)
