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
