from django import forms
from django.utils.translation import gettext_lazy as _

from interviews.services import CALL_POLICY_LIMITS


def _number(label, field, help_text=""):
    low, high = CALL_POLICY_LIMITS[field]
    return forms.IntegerField(label=label, min_value=low, max_value=high, help_text=help_text)


class CallPolicyForm(forms.Form):
    """The company's call policy; the ranges are the service's (interviews.services.update_call_policy)."""

    max_attempts = _number(_("Attempts before the candidate is marked unreachable"), "max_attempts")
    retry_after_minutes = _number(_("Minutes between attempts"), "retry_after_minutes",
                                  _("After no answer, a voicemail or a dropped call; always inside calling hours."))
    busy_retry_after_minutes = _number(_("Minutes before calling a busy line again"), "busy_retry_after_minutes")
    call_time_limit_minutes = _number(_("Longest call (minutes)"), "call_time_limit_minutes",
                                      _("The provider ends the call after this time, whatever happens."))
    answer_silence_seconds = _number(_("Seconds of silence that end an answer"), "answer_silence_seconds")
    max_simultaneous_calls = _number(_("Calls at the same time"), "max_simultaneous_calls")
    voicemail_message = forms.BooleanField(
        label=_("Leave a short message on voicemail (once)"), required=False,
        help_text=_("The message names your company and nothing about the candidate."),
    )
    heads_up_sms = forms.BooleanField(
        label=_("Send a text message before each scheduled call"), required=False,
        help_text=_("Your company's name and a code to call back with; nothing about the candidate or the position."),
    )
    heads_up_minutes = forms.IntegerField(
        label=_("Minutes before the call"), required=False,
        min_value=CALL_POLICY_LIMITS["heads_up_minutes"][0], max_value=CALL_POLICY_LIMITS["heads_up_minutes"][1],
    )

    def clean_heads_up_minutes(self):
        """Left blank, the minutes keep their current value."""
        minutes = self.cleaned_data["heads_up_minutes"]
        return self.get_initial_for_field(self.fields["heads_up_minutes"], "heads_up_minutes") if minutes is None else minutes

    @classmethod
    def initial_for(cls, policy):
        return {name: getattr(policy, name) for name in cls.base_fields}
