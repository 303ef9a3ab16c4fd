"""Input validation for the recruiting pages. A form checks shape (required, numbers in range,
a known time zone); recruiting.services decides and raises DomainError, shown next to its field
with accounts.forms.apply_domain_error."""

from uuid import UUID
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from recruiting import bulk
from recruiting.models import (
    ConsentState,
    DecisionChoice,
    ContractType,
    InterviewLanguage,
    PipelineStatus,
    PositionStatus,
    ScoringStatus,
)

CV_ACCEPT = ".pdf,.docx,.txt"
CSV_ACCEPT = ".csv,.txt"

# Offered first in the time zone field; any other IANA zone may be typed.
COMMON_TIMEZONES = (
    "Africa/Casablanca", "Europe/Paris", "Europe/Brussels", "Europe/Zurich", "Europe/London",
    "Europe/Madrid", "Europe/Berlin", "Africa/Algiers", "Africa/Tunis", "Africa/Dakar",
    "Africa/Abidjan", "Africa/Cairo", "Asia/Dubai", "Asia/Riyadh", "America/Montreal",
    "America/New_York", "UTC",
)


def list_as_text(values):
    """A position's list field as the textarea shows it: one item a line."""
    return "\n".join(values or [])


def _list_field(label, help_text):
    return forms.CharField(
        label=label, required=False, max_length=5000, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PositionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"autofocus": True}))
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the job is about; the AI drafts the screening questions from it."),
    )
    skills = _list_field(_("Skills"), _("One a line, or separated by commas."))
    must_haves = _list_field(_("Must-haves"), _("What a candidate cannot do without. One a line, or separated by commas."))
    nice_to_haves = _list_field(_("Nice-to-haves"), _("One a line, or separated by commas."))
    min_years_experience = forms.IntegerField(label=_("Years of experience"), required=False, min_value=0, max_value=50)
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    contract_type = forms.ChoiceField(label=_("Contract type"), choices=ContractType.choices, initial=ContractType.PERMANENT)
    language = forms.ChoiceField(
        label=_("Interview language"), choices=InterviewLanguage.choices, initial=InterviewLanguage.FRENCH,
        help_text=_("The language of the screening call; fixed once a script version is frozen."),
    )
    call_languages = forms.MultipleChoiceField(
        label=_("Other languages the candidate may choose"), required=False, choices=InterviewLanguage.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At the start of the call a keypad menu offers these besides the interview language, which comes "
                    "first. Each question then needs its text in every language offered."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=PositionStatus.choices, initial=PositionStatus.DRAFT)

    @classmethod
    def initial_for(cls, position):
        return {
            "title": position.title, "description": position.description,
            "skills": list_as_text(position.skills), "must_haves": list_as_text(position.must_haves),
            "nice_to_haves": list_as_text(position.nice_to_haves),
            "min_years_experience": position.min_years_experience, "location": position.location,
            "contract_type": position.contract_type, "language": position.language,
            "call_languages": position.other_languages, "status": position.status,
        }


class PositionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=PositionStatus.choices)


class PositionFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title or location")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses")), *PositionStatus.choices])


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    good_answer = forms.CharField(
        label=_("What a good answer shows"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
    )
    weight = forms.TypedChoiceField(
        label=_("Weight"), coerce=int, initial=1, choices=[(n, str(n)) for n in range(1, 6)],
        help_text=_("1 (minor) to 5 (decisive)."),
    )
    max_answer_seconds = forms.IntegerField(
        label=_("Maximum answer length (seconds)"), min_value=15, max_value=300, initial=90,
    )

    def __init__(self, *args, position, **kwargs):
        """One more text field per language the position offers besides its own, named as the
        service names it (`translations.en`), so that a refusal shows next to its field."""
        super().__init__(*args, **kwargs)
        self.languages = position.other_languages
        if self.languages:
            main = InterviewLanguage(position.language).label
            self.fields["text"].label = _("Question in %(language)s") % {"language": main}
        for code in self.languages:
            label = InterviewLanguage(code).label
            self.fields[f"translations.{code}"] = forms.CharField(
                label=_("Question in %(language)s") % {"language": label}, required=False, max_length=500,
                widget=forms.Textarea(attrs={"rows": 2, "lang": code, "dir": "auto"}),
                help_text=_("Asked when the candidate chooses %(language)s; the script cannot be frozen without it.")
                % {"language": label},
            )
        self.order_fields(["text", *(f"translations.{code}" for code in self.languages)])

    @property
    def translation_fields(self):
        return [self[f"translations.{code}"] for code in self.languages]

    def service_values(self):
        """The values the script service takes: the translations as one {language: text}."""
        values = {name: value for name, value in self.cleaned_data.items() if not name.startswith("translations.")}
        if self.languages:
            values["translations"] = {code: self.cleaned_data[f"translations.{code}"] for code in self.languages}
        return values

    @classmethod
    def initial_for(cls, question):
        return {
            "text": question.text, "good_answer": question.good_answer, "weight": question.weight,
            "max_answer_seconds": question.max_answer_seconds,
            **{f"translations.{code}": text for code, text in question.translations.items()},
        }


class MoveQuestionForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])

    @property
    def offset(self):
        return -1 if self.cleaned_data["direction"] == "up" else 1


class TimeZoneInput(forms.TextInput):
    """A text input tied to a <datalist> of common zones: pick one or type any IANA name."""

    def __init__(self, attrs=None):
        super().__init__({"list": "common-timezones", "autocomplete": "off", "spellcheck": "false", **(attrs or {})})


class CandidateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(
        label=_("Phone"), max_length=40, widget=forms.TextInput(attrs={"type": "tel"}),
        help_text=_("With the country code for numbers outside Morocco, for example +33 6 12 34 56 78."),
    )
    timezone = forms.CharField(
        label=_("Time zone"), required=False, max_length=64, widget=TimeZoneInput(),
        help_text=_("Optional: taken from the phone number's country when left empty. Calls happen inside calling hours in this zone."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    cv = forms.FileField(
        label=_("CV"), required=False, allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": CV_ACCEPT}),
        help_text=_("PDF, DOCX or plain text. It is read and scored against the position's requirements."),
    )
    allow_duplicate = forms.BooleanField(
        label=_("Add anyway: this is a different person, or a new application"), required=False,
    )

    def __init__(self, *args, with_cv=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_cv:
            del self.fields["cv"]

    def clean_timezone(self):
        zone = self.cleaned_data["timezone"].strip()
        if zone and zone not in available_timezones():
            raise forms.ValidationError(_("Unknown time zone: choose one from the list or type a name such as Europe/Paris."))
        return zone

    def service_values(self):
        """The values the service takes (an empty time zone lets the phone's country decide)."""
        data = self.cleaned_data
        return {
            "full_name": data["full_name"], "email": data["email"], "phone": data["phone"],
            "timezone": data["timezone"] or None, "notes": data["notes"],
        }

    @classmethod
    def initial_for(cls, candidate):
        return {
            "full_name": candidate.full_name, "email": candidate.email, "phone": candidate.phone,
            "timezone": candidate.timezone, "notes": candidate.notes,
        }


class ReplaceCVForm(forms.Form):
    cv = forms.FileField(
        label=_("New CV"), allow_empty_file=True, widget=forms.FileInput(attrs={"accept": CV_ACCEPT}),
        help_text=_("PDF, DOCX or plain text. The old file is deleted and the new one is scored again."),
    )


class CSVImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), allow_empty_file=True, widget=forms.FileInput(attrs={"accept": CSV_ACCEPT}),
    )


NO_CONSENT_DECISION = "none"


class CandidateFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, email or phone")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses")), *PipelineStatus.choices])
    scoring = forms.ChoiceField(label=_("CV scoring"), required=False, choices=[("", _("All scoring states")), *ScoringStatus.choices])
    consent = forms.ChoiceField(label=_("Consent"), required=False, choices=[
        ("", _("Any consent")), (ConsentState.GRANTED, ConsentState.GRANTED.label), (ConsentState.DECLINED, ConsentState.DECLINED.label),
        (ConsentState.WITHDRAWN, ConsentState.WITHDRAWN.label), (NO_CONSENT_DECISION, ConsentState.NONE.label)])
    min_score = forms.IntegerField(label=_("CV score from"), required=False, min_value=0, max_value=100,
                                   widget=forms.NumberInput(attrs={"placeholder": _("min"), "inputmode": "numeric"}))
    max_score = forms.IntegerField(label=_("CV score to"), required=False, min_value=0, max_value=100,
                                   widget=forms.NumberInput(attrs={"placeholder": _("max"), "inputmode": "numeric"}))


MAX_BULK = 100


class BulkActionForm(forms.Form):
    """What to do with the candidates ticked in a list (recruiting.bulk)."""

    action = forms.ChoiceField(label=_("With the selected candidates"))
    candidates = forms.TypedMultipleChoiceField(coerce=str, error_messages={"required": _("Tick at least one candidate.")})
    decision = forms.ChoiceField(label=_("Decision"), required=False, choices=[("", _("Decision…")), *DecisionChoice.choices])
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(action.code, action.label) for action in bulk.actions()] + [(bulk.EXPORT, _("Export as CSV"))]
        self.fields["candidates"].choices = [(value, value) for value in self.data.getlist("candidates")] if self.data else []

    def clean_candidates(self):
        chosen = self.cleaned_data["candidates"]
        if len(chosen) > MAX_BULK:
            raise forms.ValidationError(_("Choose at most %(count)s candidates at a time.") % {"count": MAX_BULK})
        try:
            return list(dict.fromkeys(UUID(value) for value in chosen))
        except ValueError:
            raise forms.ValidationError(_("The selection is not valid: reload the list and tick again.")) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == bulk.DECIDE and not cleaned.get("decision"):
            self.add_error("decision", _("Choose the decision to record."))
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=DecisionChoice.choices)
    reason_to_reject = forms.BooleanField(required=False, widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CSVExportForm(forms.Form):
    delimiter = forms.ChoiceField(
        label=_("Separator"),
        choices=[
            ("semicolon", _("Semicolon (;): Excel in French")),
            ("comma", _("Comma (,): Excel in English, Google Sheets, Numbers")),
        ],
        help_text=_("Excel splits the columns on the separator of your computer's language."),
    )
