from django import forms
from django.utils.translation import gettext_lazy as _

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
    other_data_months = forms.IntegerField(
        label=_("Keep other candidate data (months after the last activity)"), min_value=1, max_value=120,
    )
