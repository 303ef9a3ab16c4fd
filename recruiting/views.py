"""Recruiting pages of the dashboard: positions and their screening scripts, candidates and CVs.

Each view parses input, calls recruiting.services or recruiting.selectors, and renders. Every page
is for members of a company (`member_required`); writes are for admins and recruiters
(`writer_required`: viewers get a 403 and never see the buttons). Objects are looked up through
the tenant-scoped managers, so another company's id is a 404.
"""


from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import apply_domain_error
from accounts.views import member_required, writer_required
from aihm.errors import DomainError, NotAllowed
from recruiting import bulk, forms, inbox, scoring, selectors, services
from recruiting.files import CVMissing, cv_download_response
from recruiting.models import (
    ON_HOLD, Candidate, CandidateDecision, ConsentState, DecisionChoice, InterviewLanguage, Notification, PipelineStatus, Position, PositionStatus, Question,
    ScoringStatus,
)
from recruiting.panels import candidate_row_cells, render_candidate_panels
from recruiting.protected import topic_labels

PER_PAGE = 25
RECENT_CANDIDATES = 5
SCORING_IN_PROGRESS = (ScoringStatus.QUEUED, ScoringStatus.SCORING)
DECISION_BUTTONS = (
    (PipelineStatus.SHORTLISTED, gettext_lazy("Shortlist")),
    (ON_HOLD, gettext_lazy("Put on hold")),
    (PipelineStatus.REJECTED, gettext_lazy("Reject")),
    (PipelineStatus.HIRED, gettext_lazy("Hire")),
)
REQUIREMENT_KINDS = {
    scoring.MUST_HAVE: gettext_lazy("Must-have"),
    scoring.SKILL: gettext_lazy("Skill"),
    scoring.NICE_TO_HAVE: gettext_lazy("Nice-to-have"),
    scoring.EXPERIENCE: gettext_lazy("Experience"),
}


def _show_error(form, error):
    """A service's refusal next to its field; a refusal for the role is a 403, as everywhere."""
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    apply_domain_error(form, error)


def _flash_error(request, error):
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)


def _too_large(limit):
    return _("The file is too large: the limit is %(size)s.") % {"size": filesizeformat(limit)}


def _paginate(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


# --- Start page ------------------------------------------------------------------------------


def start_page_context():
    """What the dashboard's start page shows: open positions, candidates by status, the latest
    candidates (home.html). A fixed number of queries whatever the company's size."""
    counts = dict(Candidate.objects.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    candidate_total = sum(counts.values())
    return {
        "position_total": Position.objects.count(),
        "open_position_total": Position.objects.filter(status=PositionStatus.OPEN).count(),
        "candidate_total": candidate_total,
        "candidates_by_status": [
            {"status": status, "label": status.label, "count": counts.get(status.value, 0)}
            for status in PipelineStatus if counts.get(status.value)
        ],
        "recent_candidates": list(Candidate.objects.select_related("position").defer("cv_text")[:RECENT_CANDIDATES]),
    }


# --- Positions -------------------------------------------------------------------------------


@member_required
def position_list(request):
    filters = forms.PositionFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    search, status = values.get("q", "").strip(), values.get("status", "")
    page = _paginate(request, selectors.positions_list(search=search, status=status))
    return TemplateResponse(request, "recruiting/position_list.html", {
        "filters": filters, "search": search, "status": status, "page": page,
    })


@writer_required
def position_create(request):
    form = forms.PositionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            position = services.create_position(by=request.user, **form.cleaned_data)
        except DomainError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("The position has been created. Next: write or draft its screening script."))
            return redirect("recruiting:script", position.pk)
    return TemplateResponse(request, "recruiting/position_form.html", {"form": form, "position": None})


@writer_required
def position_edit(request, pk):
    position = get_object_or_404(Position, pk=pk)
    form = forms.PositionForm(request.POST or None, initial=forms.PositionForm.initial_for(position))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_position(by=request.user, position=position, **form.cleaned_data)
        except DomainError as error:
            position.refresh_from_db()
            _show_error(form, error)
        else:
            messages.success(request, _("The position has been saved."))
            return redirect("recruiting:position_detail", position.pk)
    return TemplateResponse(request, "recruiting/position_form.html", {"form": form, "position": position})


@member_required
def position_detail(request, pk):
    position = get_object_or_404(Position.objects.select_related("owner"), pk=pk)
    funnel = selectors.funnel_counts(position)
    candidate_total = sum(funnel.values())
    questions = list(position.questions.all())
    return TemplateResponse(request, "recruiting/position_detail.html", {
        "position": position,
        "funnel": [{"status": status, "label": status.label, "count": funnel[status.value]} for status in PipelineStatus],
        "candidate_total": candidate_total,
        "candidates": list(selectors.candidates_for_position(position).defer("cv_text")[:PER_PAGE]),
        "questions": _question_rows(position, questions),
        "latest_version": position.script_versions.select_related("frozen_by").order_by("-number").first(),
        "script_problems": services.script_problems(position, questions),
        "statuses": PositionStatus.choices,
    })


@writer_required
def position_delete(request, pk):
    """Only an empty position is deleted; one with candidates is closed or archived instead."""
    position = get_object_or_404(Position, pk=pk)
    refusal = None
    if request.method == "POST":
        try:
            services.delete_position(by=request.user, position=position)
        except DomainError as error:
            if isinstance(error, NotAllowed):
                raise PermissionDenied(error.message) from error
            refusal = error.message
        else:
            messages.success(request, _("The position “%(title)s” has been deleted.") % {"title": position.title})
            return redirect("recruiting:position_list")
    candidate_total = position.candidates.count()
    return TemplateResponse(request, "recruiting/position_delete.html", {
        "position": position,
        "candidate_total": candidate_total,
        "refusal": refusal,
        "closed": PositionStatus.CLOSED,
        "archived": PositionStatus.ARCHIVED,
    }, status=409 if refusal else 200)


@writer_required
@require_POST
def position_status(request, pk):
    """Open, close or archive a position (the way out when it cannot be deleted)."""
    position = get_object_or_404(Position, pk=pk)
    form = forms.PositionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect("recruiting:position_detail", position.pk)
    try:
        services.update_position(by=request.user, position=position, status=form.cleaned_data["status"])
    except DomainError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("The position is now “%(status)s”.") % {"status": position.get_status_display()})
    return redirect("recruiting:position_detail", position.pk)


# --- Screening script ------------------------------------------------------------------------


def _question_rows(position, questions=None):
    """Per question: its number, its protected topics, and its text in each other offered language
    ("" where it is still missing)."""
    questions = position.questions.all() if questions is None else questions
    languages = [(code, InterviewLanguage(code).label) for code in position.other_languages]
    return [
        {
            "question": question, "number": number, "topics": topic_labels(question.protected_topics),
            "translations": [{"code": code, "label": label, "text": question.translations.get(code, "")} for code, label in languages],
        }
        for number, question in enumerate(questions, start=1)
    ]


def _render_script(request, position, question_form, status=200):
    read = list(position.questions.all())
    questions = _question_rows(position, read)
    return TemplateResponse(request, "recruiting/script.html", {
        "position": position,
        "questions": questions,
        "other_languages": [InterviewLanguage(code).label for code in position.other_languages],
        "question_form": question_form,
        "problems": services.script_problems(position, read),
        "versions": list(position.script_versions.select_related("frozen_by").order_by("-number")),
        "room": services.MAX_QUESTIONS - len(questions),
        "min_questions": services.MIN_QUESTIONS,
        "max_questions": services.MAX_QUESTIONS,
    }, status=status)


@member_required
def script(request, pk):
    position = get_object_or_404(Position, pk=pk)
    return _render_script(request, position, forms.QuestionForm(position=position))


@writer_required
@require_POST
def question_add(request, pk):
    position = get_object_or_404(Position, pk=pk)
    form = forms.QuestionForm(request.POST, position=position)
    if form.is_valid():
        try:
            question = services.add_question(by=request.user, position=position, **form.service_values())
        except DomainError as error:
            _show_error(form, error)
        else:
            if question.protected_topics:
                messages.warning(request, _("The question was added, but it touches a protected characteristic: rewrite or delete it before freezing the script."))
            else:
                messages.success(request, _("The question has been added."))
            return redirect(reverse("recruiting:script", args=[position.pk]) + f"#question-{question.pk}")
    return _render_script(request, position, form)


@writer_required
def question_edit(request, pk):
    question = get_object_or_404(Question.objects.select_related("position"), pk=pk)
    form = forms.QuestionForm(request.POST or None, initial=forms.QuestionForm.initial_for(question), position=question.position)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_question(by=request.user, question=question, **form.service_values())
        except DomainError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("The question has been saved."))
            return redirect(reverse("recruiting:script", args=[question.position_id]) + f"#question-{question.pk}")
    return TemplateResponse(request, "recruiting/question_form.html", {
        "form": form, "question": question, "position": question.position,
        "topics": topic_labels(question.protected_topics),
    })


@writer_required
@require_POST
def question_delete(request, pk):
    question = get_object_or_404(Question, pk=pk)
    position_id = question.position_id
    try:
        services.delete_question(by=request.user, question=question)
    except DomainError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("The question has been deleted."))
    return redirect("recruiting:script", position_id)


@writer_required
@require_POST
def question_move(request, pk):
    question = get_object_or_404(Question.objects.select_related("position"), pk=pk)
    form = forms.MoveQuestionForm(request.POST)
    if form.is_valid():
        try:
            services.move_question(by=request.user, question=question, offset=form.offset)
        except DomainError as error:
            _flash_error(request, error)
    return redirect(reverse("recruiting:script", args=[question.position_id]) + f"#question-{question.pk}")


@writer_required
@require_POST
def script_draft(request, pk):
    position = get_object_or_404(Position, pk=pk)
    try:
        drafted = services.draft_script_with_ai(by=request.user, position=position)
    except DomainError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("%(count)d questions drafted: review, edit or delete them before freezing the script.") % {"count": len(drafted)})
    return redirect("recruiting:script", position.pk)


@writer_required
@require_POST
def script_freeze(request, pk):
    position = get_object_or_404(Position, pk=pk)
    latest = position.script_versions.order_by("-number").first()
    try:
        version = services.freeze_script(by=request.user, position=position)
    except DomainError as error:
        _flash_error(request, error)
    else:
        if latest is not None and version.pk == latest.pk:
            messages.info(request, _("The script has not changed since version %(number)d.") % {"number": version.number})
        else:
            messages.success(request, _("Version %(number)d of the script is frozen.") % {"number": version.number})
    return redirect("recruiting:script", position.pk)


# --- Candidates: lists -----------------------------------------------------------------------


# Sortable columns of the candidate tables, with the order a first click asks for.
SORTABLE_COLUMNS = {"full_name": "full_name", "status": "status", "cv_score": "-cv_score", "interview_score": "-interview_score",
                    "created_at": "-created_at"}


def _candidate_filters(request):
    """The filter form and what it selects (an invalid value is shown on the form and ignored)."""
    filters = forms.CandidateFilterForm(request.GET or None)
    filters.is_valid()
    values = getattr(filters, "cleaned_data", {})  # the valid fields (none when nothing was asked)
    consent = values.get("consent") or ""
    chosen = {
        "search": (values.get("q") or "").strip(), "status": values.get("status") or "", "scoring": values.get("scoring") or "",
        "consent": ConsentState.NONE.value if consent == forms.NO_CONSENT_DECISION else (consent or None),
        "min_score": values.get("min_score"), "max_score": values.get("max_score"),
    }
    return filters, chosen


def _candidate_ordering(request):
    """The order asked for in the address; a page falls back to the default on an unknown one."""
    ordering = request.GET.get("ordering", "")
    return ordering if ordering in selectors.CANDIDATE_ORDERINGS else selectors.DEFAULT_CANDIDATE_ORDERING


def _sort_headers(ordering):
    """Per sortable column: the order its header link asks for, and its aria-sort when it is the
    column sorted on (a second click reverses it)."""
    column, descending = ordering.lstrip("-"), ordering.startswith("-")
    headers = {}
    for name, first in SORTABLE_COLUMNS.items():
        if name == column:
            headers[name] = {"ordering": name if descending else f"-{name}",
                             "aria_sort": "descending" if descending else "ascending"}
        else:
            headers[name] = {"ordering": first, "aria_sort": ""}
    return headers


def _render_candidate_list(request, position, candidates, *, filtered, filters, ordering):
    page = _paginate(request, candidates.defer("cv_text"))
    extra_headers, page.object_list = candidate_row_cells(page.object_list)
    bulk_form = None
    if request.user.can_write:
        bulk_form = forms.BulkActionForm()
        bulk_form.fields["comment"].widget.attrs["placeholder"] = bulk_form.fields["comment"].label
    return TemplateResponse(request, "recruiting/candidate_list.html", {
        "filters": filters, "filtered": filtered, "position": position, "bulk_form": bulk_form,
        "ordering": ordering, "default_ordering": selectors.DEFAULT_CANDIDATE_ORDERING, "sort": _sort_headers(ordering),
        "page": page, "extra_headers": extra_headers,
    })


@member_required
def candidate_list(request):
    filters, chosen = _candidate_filters(request)
    ordering = _candidate_ordering(request)
    candidates = selectors.all_candidates(ordering=ordering, **chosen)
    return _render_candidate_list(request, None, candidates, filtered=_is_filtered(chosen), filters=filters, ordering=ordering)


@member_required
@require_GET
def position_board(request, pk):
    """The position's pipeline as a board: a column per status; a card moves to shortlisted,
    on hold, rejected (with its reason) or hired through the same decision as the report page."""
    position = get_object_or_404(Position, pk=pk)
    return TemplateResponse(request, "recruiting/position_board.html", {
        "position": position, "columns": selectors.board_columns(position), "decisions": DecisionChoice.choices,
        "rejected": DecisionChoice.REJECTED,
    })


@member_required
def position_candidates(request, pk):
    position = get_object_or_404(Position, pk=pk)
    filters, chosen = _candidate_filters(request)
    ordering = _candidate_ordering(request)
    candidates = selectors.candidates_for_position(position, ordering=ordering, **chosen)
    return _render_candidate_list(request, position, candidates, filtered=_is_filtered(chosen), filters=filters, ordering=ordering)


def _is_filtered(chosen):
    return any(value not in (None, "") for value in chosen.values())


# --- Candidates: add, edit, CV, erase --------------------------------------------------------


@writer_required
def candidate_add(request, pk):
    position = get_object_or_404(Position, pk=pk)
    form = forms.CandidateForm(request.POST or None, request.FILES or None)
    duplicates = []
    if request.method == "POST":
        if getattr(request, "upload_too_large", False):
            form.add_error("cv", _too_large(settings.CV_MAX_BYTES))
        elif form.is_valid():
            try:
                candidate = services.add_candidate(
                    by=request.user, position=position, cv=form.cleaned_data["cv"],
                    allow_duplicate=form.cleaned_data["allow_duplicate"], **form.service_values(),
                )
            except services.DuplicateCandidate as error:
                duplicates = error.duplicates
            except DomainError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("%(name)s has been added.") % {"name": candidate.full_name})
                return redirect("recruiting:candidate_detail", candidate.pk)
    return TemplateResponse(request, "recruiting/candidate_form.html", {
        "form": form, "position": position, "candidate": None, "duplicates": duplicates,
        "had_cv": bool(request.FILES.get("cv")), "timezones": forms.COMMON_TIMEZONES,
    })


@writer_required
def candidate_edit(request, pk):
    candidate = get_object_or_404(Candidate.objects.select_related("position"), pk=pk)
    form = forms.CandidateForm(request.POST or None, initial=forms.CandidateForm.initial_for(candidate), with_cv=False)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            services.update_candidate(
                by=request.user, candidate=candidate, allow_duplicate=form.cleaned_data["allow_duplicate"],
                **form.service_values(),
            )
        except services.DuplicateCandidate as error:
            candidate.refresh_from_db()
            duplicates = error.duplicates
        except DomainError as error:
            candidate.refresh_from_db()
            _show_error(form, error)
        else:
            messages.success(request, _("The candidate has been saved."))
            return redirect("recruiting:candidate_detail", candidate.pk)
    return TemplateResponse(request, "recruiting/candidate_form.html", {
        "form": form, "position": candidate.position, "candidate": candidate, "duplicates": duplicates,
        "had_cv": False, "timezones": forms.COMMON_TIMEZONES,
    })


@writer_required
def candidate_cv_replace(request, pk):
    candidate = get_object_or_404(Candidate.objects.select_related("position"), pk=pk)
    form = forms.ReplaceCVForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if getattr(request, "upload_too_large", False):
            form.add_error("cv", _too_large(settings.CV_MAX_BYTES))
        elif form.is_valid():
            try:
                services.replace_cv(by=request.user, candidate=candidate, cv=form.cleaned_data["cv"])
            except DomainError as error:
                candidate.refresh_from_db()
                _show_error(form, error)
            else:
                messages.success(request, _("The new CV has been saved and is being scored."))
                return redirect("recruiting:candidate_detail", candidate.pk)
    return TemplateResponse(request, "recruiting/candidate_cv_form.html", {"form": form, "candidate": candidate})


@writer_required
def candidate_delete(request, pk):
    """Erasure, not a soft delete: the row, the CV file and everything derived from them."""
    candidate = get_object_or_404(Candidate.objects.select_related("position"), pk=pk)
    if request.method == "POST":
        position_id, name = candidate.position_id, candidate.full_name
        try:
            services.erase_candidate(by=request.user, candidate=candidate)
        except DomainError as error:
            _flash_error(request, error)
            return redirect("recruiting:candidate_detail", candidate.pk)
        messages.success(request, _("%(name)s has been erased, with the CV and everything derived from it.") % {"name": name})
        return redirect("recruiting:position_candidates", position_id)
    return TemplateResponse(request, "recruiting/candidate_delete.html", {"candidate": candidate})


@member_required
@require_GET
def candidate_cv(request, pk):
    """The CV file, to members only: served here, or through a short-lived signed URL on S3."""
    candidate = get_object_or_404(Candidate, pk=pk)
    try:
        return cv_download_response(request, candidate)
    except CVMissing:
        raise Http404 from None


# --- Candidate page: detail, scoring panel, decision -----------------------------------------


def scoring_panel_context(candidate):
    """The scoring panel's data, shared by the candidate page and the panel's polling fragment."""
    details = candidate.cv_score_details or {}
    return {
        "candidate": candidate,
        "details": details,
        "criteria": [{**criterion, "kind_label": REQUIREMENT_KINDS.get(criterion.get("kind"), criterion.get("kind"))}
                     for criterion in details.get("criteria", [])],
        "ignored": [{"requirement": item.get("requirement", ""), "topics": topic_labels(item.get("topics", []))}
                    for item in details.get("ignored_requirements", [])],
        "offline": details.get("provider") == "offline",
        "in_progress": candidate.scoring_status in SCORING_IN_PROGRESS,
    }


@member_required
def candidate_detail(request, pk):
    candidate = get_object_or_404(Candidate.objects.select_related("position", "decided_by", "created_by"), pk=pk)
    return TemplateResponse(request, "recruiting/candidate_detail.html", {
        "candidate": candidate,
        "scoring_panel": scoring_panel_context(candidate),
        "panels": render_candidate_panels(request, candidate),
        "decisions": DECISION_BUTTONS,
        "decision_history": list(CandidateDecision.objects.filter(candidate=candidate).select_related("decided_by")[:20]),
    })


@member_required
@never_cache
@require_GET
def candidate_scoring(request, pk):
    """The scoring panel alone: htmx polls it every 2 s while the CV is queued or being scored."""
    candidate = get_object_or_404(Candidate.objects.select_related("position"), pk=pk)
    return TemplateResponse(request, "recruiting/_scoring_panel.html", {"panel": scoring_panel_context(candidate)})


@writer_required
@require_POST
def candidate_rescore(request, pk):
    candidate = get_object_or_404(Candidate, pk=pk)
    try:
        scoring.queue_scoring(candidate, by=request.user)
    except DomainError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("The CV is queued for scoring again."))
    return redirect("recruiting:candidate_detail", candidate.pk)


@writer_required
@require_POST
def candidate_decide(request, pk):
    """The human decision (shortlist, reject, hire); the AI only advises."""
    candidate = get_object_or_404(Candidate, pk=pk)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose shortlisted, on hold, rejected or hired; a comment is at most 2000 characters."))
        return _after_decision(request, candidate)
    decision = form.cleaned_data["decision"]
    try:
        services.decide(by=request.user, candidate=candidate, decision=decision, comment=form.cleaned_data["comment"],
                        reason_to_reject=form.cleaned_data["reason_to_reject"])
    except DomainError as error:
        _flash_error(request, error)
    else:
        messages.success(request, _("Decision recorded: %(decision)s.") % {"decision": DecisionChoice(decision).label})
    return _after_decision(request, candidate)


def _local_path(request, target):
    """`target` when it is a path of this site (a `next` field, a notification's link), else None."""
    if target and target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def _after_decision(request, candidate):
    """Back to where the decision was made (the report page sends `next`), else the candidate."""
    return redirect(_local_path(request, request.POST.get("next", "")) or reverse("recruiting:candidate_detail", args=[candidate.pk]))


# --- CSV import and export -------------------------------------------------------------------


@writer_required
def position_import(request, pk):
    position = get_object_or_404(Position, pk=pk)
    form = forms.CSVImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if getattr(request, "upload_too_large", False):
            form.add_error("file", _too_large(settings.CSV_MAX_BYTES))
        elif form.is_valid():
            try:
                report = services.import_candidates_csv(by=request.user, position=position, upload=form.cleaned_data["file"])
            except DomainError as error:
                _show_error(form, error)
            else:
                added = sum(1 for row in report if row["status"] == "added")
                return TemplateResponse(request, "recruiting/import_result.html", {
                    "position": position, "report": report, "added": added, "refused": len(report) - added,
                })
    return TemplateResponse(request, "recruiting/import.html", {
        "form": form, "position": position, "max_size": settings.CSV_MAX_BYTES, "max_rows": services.MAX_CSV_ROWS,
    })


@writer_required
@require_GET
def position_export(request, pk):
    """The position's candidates as CSV for Excel (BOM, formulas neutralised), streamed; without a
    chosen separator, the page that offers the choice (the user's usual one preselected)."""
    position = get_object_or_404(Position, pk=pk)
    form = forms.CSVExportForm(request.GET if "delimiter" in request.GET else None,
                               initial={"delimiter": services.default_export_delimiter(request.user)})
    if not form.is_valid():
        return TemplateResponse(request, "recruiting/export.html", {"form": form, "position": position})
    try:
        lines = services.export_candidates_csv(by=request.user, position=position, delimiter=form.cleaned_data["delimiter"])
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"{slugify(position.title) or 'position'}-candidates.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


# --- Bulk actions on a selection --------------------------------------------------------------


@writer_required
@require_POST
def candidates_bulk(request):
    """Run one action for every candidate ticked in a list; the page that follows says, for each,
    what was done or why not. The export answers with the CSV of the selection."""
    form = forms.BulkActionForm(request.POST)
    back = _local_path(request, request.POST.get("next", "")) or reverse("recruiting:candidate_list")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    chosen = {candidate.pk: candidate for candidate in Candidate.objects.filter(pk__in=form.cleaned_data["candidates"]).select_related("position")}
    candidates = [chosen[pk] for pk in form.cleaned_data["candidates"] if pk in chosen]
    missing = len(form.cleaned_data["candidates"]) - len(candidates)
    action = form.cleaned_data["action"]
    if action == bulk.EXPORT:
        lines = services.export_candidates_csv(by=request.user, candidate_ids=[candidate.pk for candidate in candidates])
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, "candidates.csv")
        response["Cache-Control"] = "private, no-store"
        return response
    options = {"decision": form.cleaned_data["decision"], "comment": form.cleaned_data["comment"]} if action == bulk.DECIDE else {}
    outcomes = bulk.run_bulk(by=request.user, action=action, candidates=candidates, request=request, **options)
    return TemplateResponse(request, "recruiting/bulk_result.html", {
        "action": dict(form.fields["action"].choices)[action], "outcomes": outcomes, "missing": missing, "back": back,
        "done": sum(outcome.done for outcome in outcomes), "refused": sum(not outcome.done for outcome in outcomes),
    })


# --- Inbox -----------------------------------------------------------------------------------


@member_required
@require_GET
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    page = _paginate(request, inbox.inbox(request.user, unread_only=unread_only))
    items = [{"note": note, "message": inbox.message(note)} for note in page.object_list]
    return TemplateResponse(request, "recruiting/notifications.html", {
        "page": page, "items": items, "unread_only": unread_only, "unread": inbox.unread_count(request.user),
    })


@member_required
@require_POST
def notification_open(request, pk):
    """Open one of the user's notifications: it is marked read and its page shown."""
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    inbox.mark_read(user=request.user, notification_id=note.pk)
    return redirect(_local_path(request, note.link) or reverse("recruiting:notifications"))


@member_required
@require_POST
def notifications_read(request):
    marked = inbox.mark_read(user=request.user)
    messages.success(request, ngettext("%(count)s notification marked as read.", "%(count)s notifications marked as read.",
                                       marked) % {"count": marked})
    return redirect("recruiting:notifications")
