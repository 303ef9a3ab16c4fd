"""The report as a PDF (WeasyPrint), made once per analysis version and language, stored.

The PDF holds the same facts as the report page (`report.report_data`) and no link at all: a
recording is named, never linked, so nothing in a downloaded copy outlives the signature of a
storage URL. It is rendered with no network access and DejaVu Sans, which covers Arabic.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.views.decorators.http import require_GET
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from accounts.services import audit
from accounts.views import member_required
from interviews import report
from interviews.models import AnalysisState, InterviewAnalysis

LANGUAGES = ("fr", "en", "ar")
RIGHT_TO_LEFT = {"ar"}

STYLESHEET = """
@page { size: A4; margin: 18mm 16mm; @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #666; } }
html { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.4; color: #1a1a1a; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; padding-bottom: 1mm; border-bottom: 0.5pt solid #999; }
h3 { font-size: 10pt; margin: 3mm 0 1mm; }
p, ul, ol, dl { margin: 0 0 2mm; }
.muted { color: #555; }
.advice { font-weight: bold; padding: 2mm 3mm; border: 0.5pt solid #999; }
.badge { font-size: 8pt; padding: 0 1.5mm; border: 0.5pt solid #777; border-radius: 1mm; }
dl.definitions { display: grid; grid-template-columns: 38mm auto; gap: 1mm 3mm; }
dl.definitions dt { font-weight: bold; }
dl.definitions dd { margin: 0; }
.questions > li { margin-bottom: 4mm; break-inside: avoid; }
blockquote.transcript { margin: 1mm 0; padding: 1mm 3mm; border-left: 1.5pt solid #999; }
[dir="rtl"] blockquote.transcript { border-left: none; border-right: 1.5pt solid #999; }
mark { background: #fff0a8; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; overflow-wrap: anywhere; }
"""


class _NoNetwork(URLFetcher):
    """Refuses every URL: the PDF is made from the report's data alone."""

    def fetch(self, url, headers=None):
        raise ValueError(f"the report PDF fetches nothing ({url.split(':', 1)[0]}: refused)")


def render_report_pdf(interview, analysis, language):
    """The report of `analysis` (a done version of `interview`) as PDF bytes, in `language`."""
    with translation.override(language):
        html = render_to_string("interviews/report_pdf.html", {
            "report": report.report_data(interview, analysis=analysis), "language": language,
            "direction": "rtl" if language in RIGHT_TO_LEFT else "ltr", "generated_at": timezone.now(),
        })
    fetcher = _NoNetwork()
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[CSS(string=STYLESHEET, url_fetcher=fetcher)])


def _storage_key(analysis, language):
    return f"reports/{analysis.tenant_id}/{analysis.interview_id}/v{analysis.version}-{language}.pdf"


def stored_pdf(interview, analysis, language):
    """The storage key of the report PDF of `analysis` in `language`: rendered and stored the
    first time, the stored file afterwards (rendered again only if that file is gone)."""
    known = (analysis.pdf_files or {}).get(language)
    if known and default_storage.exists(known):
        return known
    key = default_storage.save(_storage_key(analysis, language), ContentFile(render_report_pdf(interview, analysis, language)))
    with transaction.atomic():  # the row locked (PostgreSQL; SQLite writes one at a time)
        files = InterviewAnalysis.objects.select_for_update().values_list("pdf_files", flat=True).get(pk=analysis.pk) or {}
        theirs = files.get(language)
        if not theirs or theirs == known:
            files = {**files, language: key}
            InterviewAnalysis.objects.filter(pk=analysis.pk).update(pdf_files=files)
    analysis.pdf_files = files
    if files[language] != key:
        # A concurrent download stored its copy first: keep that one and drop ours.
        default_storage.delete(key)
    return files[language]


def _chosen_analysis(interview, raw_version):
    done = InterviewAnalysis.objects.filter(interview=interview, state=AnalysisState.DONE)
    if raw_version:
        try:
            done = done.filter(version=int(raw_version))
        except ValueError:
            raise Http404 from None
    analysis = done.order_by("-version").first()
    if analysis is None:
        raise Http404
    return analysis


def report_language(asked, user, interview):
    """The language asked for, else the recruiter's, else the interview's."""
    for code in (asked or "", user.language, interview.language):
        if code in LANGUAGES:
            return code
    return "fr"


def download(request, interview, analysis, language):
    """The stored PDF of `analysis` in `language` as an attachment, audited. FileNotFoundError
    when the stored file cannot be read (each caller says so in its own way)."""
    key = stored_pdf(interview, analysis, language)
    with default_storage.open(key, "rb") as handle:
        data = handle.read()
    audit(request.user, "interview.report_downloaded", interview.candidate, request=request,
          interview=str(interview.pk), version=analysis.version, language=language)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="report-{analysis.version}-{language}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@member_required
@require_GET
def report_pdf(request, pk):
    """The report of one analysis version as a PDF download (`?version=N`, the latest done one by
    default; `?lang=fr|en|ar`), audited."""
    interview = report.interview_for_report(pk)
    if interview is None:
        raise Http404
    analysis = _chosen_analysis(interview, request.GET.get("version", ""))
    try:
        return download(request, interview, analysis, report_language(request.GET.get("lang"), request.user, interview))
    except FileNotFoundError:
        raise Http404 from None
