"""Input validation for the accounts pages. Business rules stay in accounts.services: a form checks
shape (required, email, confirmation matches), the service decides and raises DomainError."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts import selectors, services
from accounts.emails import normalise_email
from accounts.models import Language, Role


def apply_domain_error(form, error):
    """Show a service's refusal next to the field it names, or at the top of the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class AccountEmailField(forms.EmailField):
    """An account's email, validated and handed on in its normal form (look-alikes are one)."""

    def to_python(self, value):
        return normalise_email(super().to_python(value))


def _password_field(label, *, new=True, help_text=None):
    autocomplete = "new-password" if new else "current-password"
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class _ConfirmedPasswordMixin:
    """Two password fields that must match; strength is checked by the service's validators."""

    password_field = "password"
    confirmation_field = "password_confirmation"

    def clean(self):
        cleaned = super().clean()
        password, confirmation = cleaned.get(self.password_field), cleaned.get(self.confirmation_field)
        if password and confirmation and password != confirmation:
            self.add_error(self.confirmation_field, _("The two passwords do not match."))
        return cleaned


class SignUpForm(_ConfirmedPasswordMixin, forms.Form):
    company_name = forms.CharField(
        label=_("Company name"), max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization", "autofocus": True}),
    )
    full_name = forms.CharField(label=_("Your full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = AccountEmailField(label=_("Work email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = _password_field(_("Password"), help_text=password_validation.password_validators_help_text_html())
    password_confirmation = _password_field(_("Confirm the password"))


class LoginForm(auth_forms.AuthenticationForm):
    """Sign in with the email address; django-axes counts the failures."""

    username = AccountEmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = _password_field(_("Password"), new=False)

    error_messages = {
        "invalid_login": _("The email or the password is not correct."),
        "inactive": _("This account is inactive."),
    }


class PasswordChangeForm(_ConfirmedPasswordMixin, forms.Form):
    password_field = "new_password"
    confirmation_field = "new_password_confirmation"

    old_password = _password_field(_("Current password"), new=False)
    new_password = _password_field(_("New password"), help_text=password_validation.password_validators_help_text_html())
    new_password_confirmation = _password_field(_("Confirm the new password"))


class AcceptInvitationForm(_ConfirmedPasswordMixin, forms.Form):
    password = _password_field(_("Choose a password"), help_text=password_validation.password_validators_help_text_html())
    password_confirmation = _password_field(_("Confirm the password"))


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = AccountEmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    language = forms.ChoiceField(
        label=_("Language"), choices=Language.choices,
        help_text=_("The language of the dashboard and of the emails you receive."),
    )


class InviteForm(forms.Form):
    email = AccountEmailField(label=_("Email"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.RECRUITER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or email")}),
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(self, *args, actions=(), labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = labels or {}
        self.fields["action"].choices = [("", _("All actions"))] + [(action, labels.get(action, action)) for action in actions]


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """Emails a reset link built on FRONTEND_URL, in the account's own language.

    Django's form sends nothing for an unknown email and the view shows the same page either way,
    so the page does not tell whether an account exists.
    """

    email = AccountEmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))

    def get_users(self, email):
        """The active account of this email in its normal form (a look-alike finds the real one)."""
        user = selectors.user_by_email(normalise_email(email))
        return [user] if user is not None and user.is_active and user.has_usable_password() else []

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None):
        user = context["user"]
        context = {
            "user": user,
            "url": settings.FRONTEND_URL + reverse("accounts:password_reset_confirm", args=[context["uid"], context["token"]]),
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        }
        with translation.override(user.language):
            subject = render_to_string(subject_template_name, context).strip()
            text = render_to_string(email_template_name, context)
            html = render_to_string(html_email_template_name, context)
        message = EmailMultiAlternatives(subject, text, from_email or settings.DEFAULT_FROM_EMAIL, [to_email])
        message.attach_alternative(html, "text/html")
        message.send()


class ResetSetPasswordForm(auth_forms.SetPasswordForm):
    """The last step of a reset: goes through services.set_password (audit, refresh tokens revoked)."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def save(self, commit=True):
        services.set_password(user=self.user, password=self.cleaned_data["new_password1"], request=self.request)
        return self.user
