"""Consent pages: the candidates' public pages (no login) and the recruiters' dashboard actions.

Public pages find the request behind a link (consent.services.opened_request: the lookup by
hash, then the company's tenant context), render in the candidate's language (the position's
by default, `?lang=` to switch) and answer every unusable link with the same page and status.
Each view parses the request, calls a service or a selector, and renders.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import apply_domain_error
from accounts.ratelimit import over_limit
from accounts.services import client_ip
from accounts.views import admin_required, member_required, writer_required
from aihm.errors import DomainError, Invalid
from aihm.secret_links import no_referrer_path, secret_in_session
from consent import selectors, services, tokens
from consent.calling_hours import calling_hours, policy_examples, preference_blocks, preference_choices, windows_from_values
from consent.forms import CallingHoursPolicyForm, RecruiterNoteForm, RetentionPolicyForm
from consent.models import ConsentStatus
from consent.notice import NOTICE_LANGUAGES, notice_facts
from recruiting.models import Candidate, Position

# --- Public pages ---------------------------------------------------------------------------


def _asked_language(request):
    language = request.POST.get("lang") or request.GET.get("lang")
    return language if language in NOTICE_LANGUAGES else None


def _fallback_language(request):
    current = translation.get_language()
    return _asked_language(request) or (current if current in NOTICE_LANGUAGES else "fr")


def _public_render(request, template, context, *, language, status=200):
    """Render now, in the page's language (not the visitor's interface language)."""
    with translation.override(language):
        response = render(request, template, {"language": language, **context}, status=status)
    response["Content-Language"] = language
    return response


def _invalid(request):
    """The one answer for an unknown, expired, used or altered link: no hint of what it was."""
    return _public_render(request, "consent/link_invalid.html", {}, language=_fallback_language(request), status=404)


def _too_many(request):
    response = _public_render(request, "consent/rate_limited.html", {}, language=_fallback_language(request), status=429)
    response["Retry-After"] = "60"
    return response


def _known_token(token):
    return tokens.locate(token) is not None


def public_page(view):
    """Public consent views: rate-limited per IP, never cached, and the token of the emailed link
    traded for the session on the first visit (aihm.secret_links): `view(request, token, link)`
    gets the token, and `link` for the page's own URLs."""
    linked = secret_in_session("consent", is_known=_known_token)(view)

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        if over_limit(request, scope="consent-page", rate=settings.CONSENT_PAGE_RATE):
            return _too_many(request)
        return linked(request, token, *args, **kwargs)

    return never_cache(no_referrer_path(wrapper))


def _languages(consent_request, path):
    """The language switch: the position's language first."""
    first = consent_request.language
    ordered = [first] + [code for code in NOTICE_LANGUAGES if code != first]
    return [{"code": code, "name": get_language_info(code)["name_local"], "url": f"{path}?lang={code}"} for code in ordered]


def _context(consent_request, link, language):
    candidate = consent_request.candidate
    facts = notice_facts(candidate, sender=consent_request.created_by)
    return {
        "link": link,
        "company": facts["company"],
        "position": facts["position"],
        "contact_email": facts["contact_email"],
        "candidate_name": candidate.full_name,
    }


def _consent_page(request, link, consent_request, language, *, error=None, status=200):
    with translation.override(language):
        notice = services.notice_for(consent_request, language)
    return _public_render(request, "consent/page.html", {
        **_context(consent_request, link, language),
        "notice_html": mark_safe(notice.html),  # rendered by us from our template, escaped there
        "notice_hash": notice.text_hash,
        "expires_at": consent_request.expires_at,
        "error": error,
        "languages": _languages(consent_request, reverse("consent:page", args=[link])),
    }, language=language, status=status)


@public_page
@require_GET
def consent_page(request, token, link):
    with services.opened_request(token) as consent_request:
        if consent_request is None or not consent_request.opens_page():
            return _invalid(request)
        if consent_request.is_answerable():
            return _consent_page(request, link, consent_request, services.page_language(_asked_language(request), consent_request))
        decision = selectors.consent_status(consent_request.candidate)
    return _current_decision(request, token, link, decision)


# An answered link opened again before it expires shows where the candidate stands now (the
# latest decision wins, whoever recorded it): a standing consent with the way to withdraw it, or
# the refusal. Changing a refusal into a consent is the recruiter's call (a new request), so a
# "no" given on the page is never turned into a "yes" by an old link.
_DECISION_PAGES = {ConsentStatus.DECLINED: "consent/declined.html", ConsentStatus.WITHDRAWN: "consent/withdrawn.html"}


def _current_decision(request, token, link, decision):
    if decision == ConsentStatus.GRANTED:
        return _accepted_page(request, token, link, answered_before=True)
    if decision in _DECISION_PAGES:
        return _outcome_page(_DECISION_PAGES[decision], answered_before=True)(request, token, link)
    return _invalid(request)  # a newer request was sent since: its link is the one to use


def _answer_kwargs(request):
    return {
        "ip": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
        "language": _asked_language(request),
        "notice_hash": request.POST.get("notice_hash") or None,
    }


def _answer(request, token, link, service, outcome):
    kwargs = {**_answer_kwargs(request), "token": token}
    try:
        with translation.override(_fallback_language(request)):
            service(**kwargs)
    except services.ConsentLinkInvalid:
        return _invalid(request)
    except services.NoticeChanged as error:
        with services.opened_request(token) as consent_request:
            if consent_request is None or not consent_request.is_answerable():
                return _invalid(request)
            return _consent_page(request, link, consent_request, services.page_language(kwargs["language"], consent_request),
                                 error=error.message, status=409)
    return outcome(request, token, link)


def _accepted_page(request, token, link, *, saved=False, error=None, status=200, answered_before=False):
    with services.opened_request(token) as consent_request:
        if consent_request is None or selectors.standing_grant(consent_request.candidate) is None:
            return _invalid(request)
        language = services.page_language(_asked_language(request), consent_request)
        hours = calling_hours()
        chosen = {f"{w['weekday']}-{w['start']}-{w['end']}" for w in selectors.preferred_windows(consent_request.candidate)}
        return _public_render(request, "consent/accepted.html", {
            **_context(consent_request, link, language),
            "time_choices": preference_choices(),
            "time_blocks": preference_blocks(),
            "chosen": chosen,
            "calling_start": hours.start.strftime("%H:%M"),
            "calling_end": hours.end.strftime("%H:%M"),
            "saved": saved,
            "error": error,
            "answered_before": answered_before,
            "languages": _languages(consent_request, reverse("consent:page", args=[link])) if answered_before else None,
        }, language=language, status=status)


def _outcome_page(template, *, answered_before=False):
    def outcome(request, token, link):
        with services.opened_request(token) as consent_request:
            if consent_request is None:
                return _invalid(request)
            language = services.page_language(_asked_language(request), consent_request)
            return _public_render(request, template, {
                **_context(consent_request, link, language),
                "answered_before": answered_before,
                "languages": _languages(consent_request, reverse("consent:page", args=[link])) if answered_before else None,
            }, language=language)

    return outcome


@public_page
@require_POST
def accept(request, token, link):
    return _answer(request, token, link, services.accept, _accepted_page)


@public_page
@require_POST
def decline(request, token, link):
    return _answer(request, token, link, services.decline, _outcome_page("consent/declined.html"))


@public_page
@require_POST
def preferred_times(request, token, link):
    try:
        with translation.override(_fallback_language(request)):
            windows = windows_from_values(request.POST.getlist("preferred_times"))
            services.set_preferred_times(token=token, preferred_times=windows)
    except services.ConsentLinkInvalid:
        return _invalid(request)
    except Invalid as error:
        return _accepted_page(request, token, link, error=error.message, status=400)
    return _accepted_page(request, token, link, saved=True)


@public_page
@require_http_methods(["GET", "POST"])
def withdraw(request, token, link):
    if request.method == "POST":
        try:
            with translation.override(_fallback_language(request)):
                services.withdraw(token=token, ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""),
                                  language=_asked_language(request))
        except services.ConsentLinkInvalid:
            return _invalid(request)
        except services.NothingToWithdraw:
            pass
        else:
            return _outcome_page("consent/withdrawn.html")(request, token, link)
    with services.opened_request(token) as consent_request:
        if consent_request is None:
            return _invalid(request)
        language = services.page_language(_asked_language(request), consent_request)
        has_grant = selectors.standing_grant(consent_request.candidate) is not None
        context = {
            **_context(consent_request, link, language),
            "has_grant": has_grant,
            "answerable": consent_request.is_answerable(),
            "languages": _languages(consent_request, reverse("consent:withdraw", args=[link])),
        }
        if has_grant:
            with translation.override(language):
                context["notice_html"] = mark_safe(services.notice_for(consent_request, language).html)
        return _public_render(request, "consent/withdraw.html", context, language=language)


# --- Dashboard ------------------------------------------------------------------------------


def _candidate_or_404(pk):
    candidate = Candidate.objects.select_related("position").filter(pk=pk).first()
    if candidate is None:
        raise Http404
    return candidate


def _back(request, candidate):
    """Back to the page the action came from (the candidate's page), else the position's consent list."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("consent:position_overview", pk=candidate.position_id)


def _note_or_error(request):
    form = RecruiterNoteForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["note"], None
    return None, " ".join(message for errors in form.errors.values() for message in errors)


@writer_required
@require_POST
def send_request(request, pk):
    candidate = _candidate_or_404(pk)
    try:
        services.request_consent(candidate=candidate, by=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Consent request sent to %(email)s.") % {"email": candidate.email})
    return _back(request, candidate)


def _noted_action(request, pk, service, done_message):
    """A recruiter's consent action that needs a note saying how it was obtained or asked."""
    candidate = _candidate_or_404(pk)
    note, error = _note_or_error(request)
    if error:
        messages.error(request, error)
        return _back(request, candidate)
    try:
        service(candidate=candidate, by=request.user, note=note, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message)
    return _back(request, candidate)


@writer_required
@require_POST
def record_consent(request, pk):
    return _noted_action(request, pk, services.record_recruiter_consent, _("The candidate's consent is recorded."))


@writer_required
@require_POST
def withdraw_for_candidate(request, pk):
    return _noted_action(
        request, pk, services.withdraw_on_behalf, _("The candidate's consent is withdrawn; no call will be made.")
    )


@writer_required
@require_GET
def export_candidate(request, pk):
    candidate = _candidate_or_404(pk)
    archive = services.export_candidate(by=request.user, candidate=candidate, request=request)
    return FileResponse(archive, as_attachment=True, filename=f"candidate-{candidate.pk}.zip", content_type="application/zip")


@member_required
@require_GET
def position_overview(request, pk):
    position = Position.objects.filter(pk=pk).first()
    if position is None:
        raise Http404
    return TemplateResponse(request, "consent/position_overview.html", {
        "position": position,
        "rows": selectors.consent_overview(position),
    })


@admin_required
@require_http_methods(["GET", "POST"])
def retention_settings(request):
    policy = selectors.retention_policy()
    form = RetentionPolicyForm(request.POST or None, initial={name: getattr(policy, name) for name in RetentionPolicyForm.base_fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_retention_policy(by=request.user, request=request, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The retention periods are saved."))
            return redirect("consent:retention")
    return TemplateResponse(request, "consent/retention_settings.html", {"form": form, "policy": policy})


@admin_required
@require_http_methods(["GET", "POST"])
def calling_hours_settings(request):
    policy = selectors.calling_hours_policy()
    form = CallingHoursPolicyForm(request.POST or None, initial=CallingHoursPolicyForm.initial_for(policy))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_calling_hours_policy(by=request.user, request=request, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The calling hours are saved."))
            return redirect("consent:calling_hours")
    return TemplateResponse(request, "consent/calling_hours_settings.html", {
        "form": form, "policy": policy, "examples": policy_examples(policy),
    })
