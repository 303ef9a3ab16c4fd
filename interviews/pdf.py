"""The report as a PDF (WeasyPrint), made once per analysis version and language, stored."""

from django.http import Http404


def report_pdf(request, pk):
    raise Http404
