"""The filters every analytics route takes, with django-filter: a period of days on the date each
candidate was added (`from`, `to`, both included, in the server's time zone) and one position.
Every figure is about the candidates the filters select."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recruiting.models import Candidate, Position

ISO_DATE = ["%Y-%m-%d"]


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


class PeriodForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last and last < first:
            self.add_error("to", _("The end of the period (to) is before its start (from)."))
        return cleaned


def _positions(request):
    """The caller's company's positions, read when the request is validated (inside its tenant)."""
    return Position.objects.all()


class CandidateFilter(django_filters.FilterSet):
    """`from`, `to` and `position`, as the three routes document them."""

    start = django_filters.DateFilter(
        field_name="created_at", method="added_from", input_formats=ISO_DATE,
        help_text="First day of the period (YYYY-MM-DD, included): candidates added on or after it.")
    end = django_filters.DateFilter(
        field_name="created_at", method="added_until", input_formats=ISO_DATE,
        help_text="Last day of the period (YYYY-MM-DD, included): candidates added on or before it.")
    position = django_filters.ModelChoiceFilter(
        queryset=_positions, field_name="position",
        error_messages={"invalid_choice": _("No position of your company has this id.")},
        help_text="Only this position's candidates (its id).")

    class Meta:
        model = Candidate
        fields = []
        form = PeriodForm

    @classmethod
    def get_filters(cls):
        """`from` is a Python keyword: the filters are declared as start/end and named here."""
        filters = super().get_filters()
        filters["from"], filters["to"] = filters.pop("start"), filters.pop("end")
        return filters

    def added_from(self, queryset, name, day):
        return queryset.filter(created_at__gte=_start_of(day))

    def added_until(self, queryset, name, day):
        return queryset.filter(created_at__lt=_start_of(day + timedelta(days=1)))
