"""Account pages of the dashboard: sign-up, sign-in, passwords, profile, team and audit log.

Each view parses input, calls accounts.services or accounts.selectors, and renders. Who may open
a page is decided by the decorators below; other apps' dashboard views reuse `member_required`
(any member of a company) and `admin_required` (its admins).
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import audit_labels, selectors, services
from accounts.forms import (
    AcceptInvitationForm,
    AuditFilterForm,
    InviteForm,
    LoginForm,
    MemberSearchForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    ResetSetPasswordForm,
    RoleForm,
    SignUpForm,
    apply_domain_error,
)
from accounts.models import Role
from accounts.ratelimit import over_limit
from aihm.errors import DomainError
from aihm.secret_links import no_referrer_path, secret_in_session

EMAIL_BACKEND = "accounts.backends.EmailBackend"
MEMBERS_PER_PAGE = 25
AUDIT_ENTRIES_PER_PAGE = 50

# --- Who may open a page ---

def member_required(view):
    """Dashboard pages: anonymous visitors sign in first, platform staff belong in the admin."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.tenant_id is None:
            return redirect("admin:index")
        if not user.tenant.is_active:
            logout(request)
            messages.error(request, _("Your company's account is suspended. Contact AIHM support."))
            return redirect("accounts:login")
        return view(request, *args, **kwargs)

    return wrapper


def writer_required(view):
    """Pages and actions that change something: admins and recruiters; viewers get a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.can_write:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return member_required(wrapper)


def admin_required(view):
    """Pages that manage the company (team, audit log): tenant admins only, others get a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_tenant_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return member_required(wrapper)


def logged_out_only(view):
    """Sign-up, invitations and password resets act for someone not signed in: a signed-in
    visitor is asked to sign out first rather than mixing two accounts in one session."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return TemplateResponse(request, "accounts/signed_in.html", {"next": request.get_full_path()})
        return view(request, *args, **kwargs)

    return wrapper


def remember_language(response, language):
    """Switch the interface to the account's language, the way Django's set_language does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _sign_in(request, user):
    login(request, user, backend=EMAIL_BACKEND)
    translation.activate(user.language)
    return remember_language(redirect("home"), user.language)


def _member_or_404(request, pk):
    member = selectors.member_or_none(request.user.tenant_id, pk)
    if member is None:
        raise Http404
    return member


# --- Signing up, in and out ---

def too_many_requests(request):
    response = TemplateResponse(request, "accounts/rate_limited.html", {}, status=429)
    response["Retry-After"] = "60"
    return response


@sensitive_post_parameters("password", "password_confirmation")
@logged_out_only
def signup(request):
    if request.method == "POST" and over_limit(request, scope="signup", rate=settings.AUTH_PAGE_RATE):
        return too_many_requests(request)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        language = translation.get_language()
        try:
            user = services.register_company(
                company_name=form.cleaned_data["company_name"],
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                language=language if language in settings.DASHBOARD_LANGUAGES else settings.LANGUAGE_CODE,
                request=request,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            response = _sign_in(request, user)
            messages.success(request, _("Welcome to AIHM! Your company account is ready."))
            return response
    return TemplateResponse(request, "accounts/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        """django-axes locks one email after repeated failures; this limit per client address
        stops one address trying a password against many emails (password spraying)."""
        if over_limit(request, scope="login", rate=settings.AUTH_PAGE_RATE):
            return too_many_requests(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        translation.activate(user.language)
        return remember_language(response, user.language)


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET), so a link or an image cannot sign anyone out."""


# --- Passwords ---

@sensitive_post_parameters("old_password", "new_password", "new_password_confirmation")
@member_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                request=request,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:profile")
    return TemplateResponse(request, "accounts/password_change.html", {"form": form})


@method_decorator(logged_out_only, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        """Each request sends an email: limited per address so the form cannot flood an inbox."""
        if over_limit(request, scope="password-reset", rate=settings.AUTH_PAGE_RATE):
            return too_many_requests(request)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(no_referrer_path, name="dispatch")
@method_decorator(logged_out_only, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's own: the first visit keeps the token in the session and redirects to the
    token-less `set-password` URL."""

    form_class = ResetSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_user(self, uidb64):
        """The link's account, read before any company is known (accounts.selectors)."""
        try:
            return selectors.user_for_reset_link(urlsafe_base64_decode(uidb64).decode())
        except (TypeError, ValueError):
            return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Own profile ---

@member_required
def profile(request):
    user = request.user
    initial = {"full_name": user.full_name, "email": user.email, "language": user.language}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=user, request=request, **form.cleaned_data)
        except DomainError as error:
            user.refresh_from_db()
            apply_domain_error(form, error)
        else:
            translation.activate(user.language)
            messages.success(request, _("Your profile has been saved."))
            return remember_language(redirect("accounts:profile"), user.language)
    return TemplateResponse(request, "accounts/profile.html", {"form": form})


# --- Team (admins) ---

@admin_required
def team(request):
    search = MemberSearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    members = selectors.members_of(request.user.tenant_id)
    if query:
        members = members.filter(Q(full_name__icontains=query) | Q(email__icontains=query))
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "accounts/team.html", {
        "search": search,
        "query": query,
        "page": page,
        "roles": Role.choices,
    })


@admin_required
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.invite_user(by=request.user, request=request, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": member.email})
            return redirect("accounts:team")
    return TemplateResponse(request, "accounts/invite.html", {"form": form, "days": settings.INVITATION_TIMEOUT_DAYS})


@admin_required
@require_POST
def change_role(request, pk):
    member = _member_or_404(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("accounts:team")
    try:
        services.change_role(by=request.user, user=member, role=form.cleaned_data["role"], request=request)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounts:team")
    messages.success(request, _("%(name)s is now %(role)s.") % {"name": member, "role": member.get_role_display()})
    return redirect("accounts:team" if request.user.is_tenant_admin else "home")


@admin_required
def remove_member(request, pk):
    member = _member_or_404(request, pk)
    if request.method == "POST":
        removing_self = member.pk == request.user.pk
        try:
            services.remove_user(by=request.user, user=member, request=request)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("accounts:team")
        if removing_self:
            logout(request)
            return redirect("accounts:login")
        messages.success(request, _("%(name)s has been removed from the team.") % {"name": member})
        return redirect("accounts:team")
    return TemplateResponse(request, "accounts/remove_member.html", {"member": member})


@admin_required
@require_POST
def resend_invitation(request, pk):
    member = _member_or_404(request, pk)
    if not member.invitation_pending:
        messages.error(request, _("%(name)s has already accepted the invitation.") % {"name": member})
    else:
        services.send_invitation(member, by=request.user)
        messages.success(request, _("Invitation sent again to %(email)s.") % {"email": member.email})
    return redirect("accounts:team")


# --- Invitations (public, one-time link) ---

def _known_invitation(token):
    return services.invited_user_for_token(token) is not None


@no_referrer_path
@sensitive_post_parameters("password", "password_confirmation")
@logged_out_only
@secret_in_session("invitation", is_known=_known_invitation)
def accept_invitation(request, token, link):
    """The emailed link's token goes to the session on the first visit (aihm.secret_links); the
    form then posts to the token-less URL."""
    invited = services.invited_user_for_token(token)
    if invited is None:
        return TemplateResponse(request, "accounts/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(token=token, password=form.cleaned_data["password"], request=request)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            response = _sign_in(request, user)
            messages.success(request, _("Welcome to %(company)s on AIHM!") % {"company": user.tenant})
            return response
    return TemplateResponse(request, "accounts/accept_invitation.html", {
        "form": form,
        "invited": invited,
        "company": invited.tenant,
    })


# --- Audit log (admins) ---

@admin_required
def audit_log(request):
    """Who did what to whom: each action's label, and each target's name linked, looked up now
    (the log stores ids only) in one query per kind of target on the page."""
    actions = sorted(set(selectors.audit_entries().order_by().values_list("action", flat=True).distinct()))
    filters = AuditFilterForm(request.GET or None, actions=actions, labels=audit_labels.ACTION_LABELS)
    action = filters.cleaned_data["action"] if filters.is_valid() else ""
    page = Paginator(selectors.audit_entries(action=action or None), AUDIT_ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    names = selectors.actor_names(page.object_list)
    targets = audit_labels.resolve_targets(page.object_list)
    rows = [
        {
            "entry": entry,
            "actor": names.get(entry.actor_id, "") if entry.actor_id else "",
            "action": audit_labels.action_label(entry.action),
            "target": targets.get((entry.target_type, entry.target_id)),
        }
        for entry in page.object_list
    ]
    return TemplateResponse(request, "accounts/audit_log.html", {
        "filters": filters,
        "action": action,
        "page": page,
        "rows": rows,
    })

