"""The company's call policy page (company settings, admins only)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import apply_domain_error
from accounts.views import admin_required
from aihm.errors import DomainError
from interviews import selectors, services, telephony
from interviews.forms import CallPolicyForm


@admin_required
@require_http_methods(["GET", "POST"])
def call_policy_settings(request):
    policy = selectors.call_policy()
    form = CallPolicyForm(request.POST or None, initial=CallPolicyForm.initial_for(policy))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_call_policy(by=request.user, request=request, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The call policy is saved."))
            return redirect("interviews:call_policy")
    return TemplateResponse(request, "interviews/call_policy_settings.html", {
        "form": form, "policy": policy, "simulated": telephony.is_simulated(),
    })
