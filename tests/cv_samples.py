"""Small CV files made on the fly for upload tests."""

import io

DEV_CV_TEXT = (
    "Développeur backend avec 6 ans d'expérience en Python et Django. "
    "J'ai conçu des API REST sur PostgreSQL et déployé avec Docker. "
    "Projet phare : une plateforme de réservation servant 2 millions d'utilisateurs."
)


def pdf_bytes(text=DEV_CV_TEXT):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, text.encode("latin-1", "replace").decode("latin-1"))
    return bytes(pdf.output())


def scanned_pdf_bytes():
    """A PDF with a page and no text layer, like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    return bytes(pdf.output())


def docx_bytes(text=DEV_CV_TEXT):
    import docx

    document = docx.Document()
    document.add_heading("Curriculum vitae", level=1)
    for sentence in text.split(". "):
        document.add_paragraph(sentence)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


ELF_EXECUTABLE = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
CORRUPT_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\nthis is not a pdf body" + b"\xff" * 50


# --- Compression bombs, made on the fly: a few hundred kilobytes that unpack to hundreds of megabytes.

_MEGABYTE_OF_SPACES = b" " * (1024 * 1024)


def docx_bomb_bytes(*, inflated_mb=200, declared_size=None):
    """A real DOCX whose word/document.xml is followed by `inflated_mb` of spaces (still valid XML).

    With `declared_size`, both ZIP headers of that member claim this size instead of the real one,
    as a crafted archive does to get past a check of the declared sizes.
    """
    import struct
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info.filename, source.read(info.filename), zipfile.ZIP_DEFLATED)
        member = zipfile.ZipInfo("word/document.xml")
        member.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(member, "w") as stream:
            stream.write(source.read("word/document.xml"))
            for _ in range(inflated_mb):
                stream.write(_MEGABYTE_OF_SPACES)
    data = bytearray(buffer.getvalue())
    if declared_size is not None:
        info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
        struct.pack_into("<I", data, info.header_offset + 22, declared_size)  # local header
        name = member.filename.encode()
        central = data.index(b"PK\x01\x02")
        while data[central + 46:central + 46 + len(name)] != name:
            central = data.index(b"PK\x01\x02", central + 4)
        struct.pack_into("<I", data, central + 24, declared_size)  # central directory
    return bytes(data)


def pdf_bomb_bytes(*, inflated_mb=200, pages=1):
    """A PDF whose pages each draw one content stream (FlateDecode) of `inflated_mb` of spaces."""
    import zlib

    compressor = zlib.compressobj(9)
    stream = b"".join(compressor.compress(_MEGABYTE_OF_SPACES) for _ in range(inflated_mb)) + compressor.flush()
    page_numbers = range(3, 3 + 2 * pages, 2)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % n for n in page_numbers), pages),
    ]
    for number in page_numbers:
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << >> >>" % (number + 1))
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
