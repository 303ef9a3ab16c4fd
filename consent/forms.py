from django import forms
from django.utils.translation import gettext_lazy as _

from consent.calling_hours import WEEKDAY_NAMES
from consent.services import MAX_NOTE_LENGTH


class RecruiterNoteForm(forms.Form):
    """A consent (or withdrawal) the recruiter obtained another way: how, when, from whom."""

    note = forms.CharField(
        label=_("How was it obtained?"),
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: by phone on 3 May, after reading the notice to the candidate."),
    )


class RetentionPolicyForm(forms.Form):
    recordings_days = forms.IntegerField(label=_("Keep call recordings (days)"), min_value=1, max_value=3650)
    reports_months = forms.IntegerField(
        label=_("Keep transcripts, analyses and reports (months)"), min_value=1, max_value=120,
        help_text=_("Counted from when each transcript or analysis was made; its report PDFs go with it, and the "
                    "dashboard notifications of that age."),
    )
    other_data_months = forms.IntegerField(
        label=_("Keep other candidate data (months after the last activity)"), min_value=1, max_value=120,
    )


def _time_field(label, *, required=True):
    return forms.TimeField(
        label=label, required=required, input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class CallingHoursPolicyForm(forms.Form):
    """The company's calling hours; the rules between fields are the service's
    (consent.services.update_calling_hours_policy), shown next to the field they name."""

    days = forms.TypedMultipleChoiceField(
        label=_("Calling days"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(number, name) for number, name in enumerate(WEEKDAY_NAMES)],
    )
    start = _time_field(_("Calls from"))
    end = _time_field(_("Calls until"))
    second_start = _time_field(_("After a break, calls from"), required=False)
    second_end = _time_field(_("After a break, calls until"), required=False)
    skip_public_holidays = forms.BooleanField(label=_("No calls on public holidays of the candidate's country"), required=False)
    french_decree_for_french_numbers = forms.BooleanField(
        label=_("French numbers follow the French decree's hours"), required=False,
        help_text=_("Monday to Friday, 10:00-13:00 and 14:00-20:00, never on public holidays (décret 2022-1313 on telephone canvassing)."),
    )

    @classmethod
    def initial_for(cls, policy):
        return {name: getattr(policy, name) for name in cls.base_fields}
