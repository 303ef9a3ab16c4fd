"""CV uploads: checked by content (never by name), size-limited, then turned into text.

Accepted: PDF, DOCX and plain text. A PDF without a text layer (a scan) is accepted and says so;
a renamed executable, an empty, oversize or damaged file is refused with a readable reason.

Compressed content is never trusted: a DOCX is inflated member by member through a counting
stream before python-docx sees it (the sizes a ZIP declares can lie), and pypdf decodes each PDF
stream under a per-stream limit and the whole file under a budget, so a small upload cannot
unpack into gigabytes.
"""

import copy
import io
import re
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from aihm.errors import Invalid

PDF, DOCX, TEXT = "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/plain"
MAX_PDF_PAGES = 40
MAX_TEXT_CHARS = 100_000
# A DOCX: every member together, once inflated; a real CV with photos is a few megabytes.
MAX_DOCX_UNCOMPRESSED = 30 * 1024 * 1024
MAX_DOCX_PART = 10 * 1024 * 1024
MAX_DOCX_MEMBERS = 1000
# Text and XML deflate about 5-20 times; far more than this is a bomb, not a document.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE = 1024 * 1024
# A PDF: what one stream may decode to, and what the pages read may decode to together.
MAX_PDF_STREAM_BYTES = 4 * 1024 * 1024
MAX_PDF_DECODED_BYTES = 32 * 1024 * 1024
_INFLATE_CHUNK = 64 * 1024


@dataclass(frozen=True)
class CVContent:
    content_type: str
    text: str  # "" when the file has no text layer

    @property
    def has_text(self):
        return bool(self.text.strip())


def _refuse(message):
    raise Invalid(message, field="cv")


def _refuse_bomb():
    _refuse(_("This file unpacks to far more data than a CV holds, so it was refused. "
              "Save it again from your word processor, or send it as a PDF."))


def _inflated_size(archive, info, budget):
    """Bytes a member really inflates to, read through a counting stream that stops past `budget`.

    zipfile cuts a member at the size its header declares, so the member is opened with that
    size replaced by more than the budget: the count is the real one, whatever the header says.
    """
    probe = copy.copy(info)
    probe.file_size = budget + 2 * _INFLATE_CHUNK  # never reached, so no false CRC error at the cut
    inflated = 0
    with archive.open(probe) as stream:
        while chunk := stream.read(_INFLATE_CHUNK):
            inflated += len(chunk)
            if inflated > budget:
                break
    return inflated


def _check_docx_archive(upload):
    """Refuse a DOCX that is not a Word document or that would inflate beyond the limits."""
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            names = {info.filename for info in members}
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                _refuse(_("Only PDF, DOCX and plain-text CVs are accepted; this archive is not a Word document."))
            if len(members) > MAX_DOCX_MEMBERS or sum(info.file_size for info in members) > MAX_DOCX_UNCOMPRESSED:
                _refuse(_("The DOCX file is too large once unpacked."))
            budget = MAX_DOCX_UNCOMPRESSED
            for info in members:
                if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    # Word never encrypts members nor uses bzip2/LZMA, whose decoders cannot be bounded.
                    _refuse(_("The DOCX file is damaged and cannot be read."))
                limit = min(budget, MAX_DOCX_PART)
                inflated = _inflated_size(archive, info, limit)
                if inflated > limit:
                    _refuse_bomb()
                if inflated > RATIO_CHECKED_ABOVE and inflated > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                    _refuse_bomb()
                if inflated != info.file_size:
                    # The header lies about the size: python-docx would trust it.
                    _refuse_bomb()
                budget -= inflated
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        _refuse(_("The DOCX file is damaged and cannot be read."))


def _sniff(head, upload):
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        _check_docx_archive(upload)
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


@contextmanager
def _pdf_limits():
    """pypdf's decoders, bounded per stream for the duration of one read."""
    from pypdf import apply_configuration

    per_stream = MAX_PDF_STREAM_BYTES
    with apply_configuration(
        maximum_declared_stream_length=per_stream,
        zlib_maximum_output_length=per_stream,
        lzw_maximum_output_length=per_stream,
        run_length_maximum_output_length=per_stream,
        brotli_maximum_output_length=per_stream,
        jbig2_maximum_output_length=per_stream,
        array_based_stream_maximum_output_length=per_stream,
        image_maximum_buffer_size=per_stream,
        stream_decoding_work_maximum_length=4 * per_stream,
        stream_parsing_work_maximum_count=500_000,
        xform_maximum_invocations_per_extraction=500,
    ):
        yield


def _resolved(value):
    return value.get_object() if value is not None else None


def _page_decoded_size(page):
    """Bytes a page's text extraction decodes: its content streams and the forms it draws.
    pypdf keeps what it decoded, so extracting the text afterwards decodes nothing twice."""
    contents = _resolved(page.get("/Contents"))
    streams = list(contents) if isinstance(contents, list) else [contents] if contents is not None else []
    resources = _resolved(page.get("/Resources"))
    xobjects = _resolved(resources.get("/XObject")) if isinstance(resources, dict) else None
    for xobject in (xobjects.values() if isinstance(xobjects, dict) else ()):
        xobject = _resolved(xobject)
        if isinstance(xobject, dict) and xobject.get("/Subtype") == "/Form":
            streams.append(xobject)
    return sum(len(stream.get_data()) for stream in map(_resolved, streams) if hasattr(stream, "get_data"))


def _pdf_text(upload):
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        with _pdf_limits():
            reader = PdfReader(upload)
            if reader.is_encrypted and not reader.decrypt(""):
                _refuse(_("The PDF is protected by a password; upload an unprotected copy."))
            texts, budget = [], MAX_PDF_DECODED_BYTES
            for page in reader.pages[:MAX_PDF_PAGES]:
                budget -= _page_decoded_size(page)
                if budget < 0:
                    _refuse_bomb()
                texts.append(page.extract_text() or "")
            return "\n".join(texts)
    except Invalid:
        raise
    except LimitReachedError:
        _refuse_bomb()
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
