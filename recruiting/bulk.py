"""Actions on a selection of candidates from the lists: each runs for every candidate chosen and
says, per candidate, what it did or why not. Recruiting's own are recording a decision (and the
CSV export, a download); higher apps register theirs (consent requests, interviews) from their
AppConfig.ready(): recruiting never imports them."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aihm.errors import DomainError
from recruiting import services
from recruiting.models import DecisionChoice

EXPORT = "export"
DECIDE = "decide"


@dataclass(frozen=True)
class BulkAction:
    code: str
    label: str
    run: object  # run(*, by, candidate, request, **options) -> what was done, in words
    rank: int


@dataclass(frozen=True)
class Outcome:
    candidate: object
    done: bool
    message: str


_actions = {}


def register_bulk_action(code, label, run, *, rank):
    """`run(*, by, candidate, request, **options)` does the action for one candidate and returns
    what it did, in words; a refusal raises a DomainError whose message says why."""
    _actions.setdefault(code, BulkAction(code, label, run, rank))


def actions():
    """The actions offered, in the pipeline's order."""
    return sorted(_actions.values(), key=lambda action: action.rank)


def _decide(*, by, candidate, request, decision, comment):
    services.decide(by=by, candidate=candidate, decision=decision, comment=comment)
    return _("Decision recorded: %(decision)s.") % {"decision": DecisionChoice(decision).label}


register_bulk_action(DECIDE, gettext_lazy("Record a decision"), _decide, rank=30)


def run_bulk(*, by, action, candidates, request=None, **options):
    """Run `action` for each candidate, each in its own transaction, so that one refusal does not
    undo the others; every refusal is said with its reason."""
    chosen = _actions[action]
    outcomes = []
    for candidate in candidates:
        try:
            with transaction.atomic():
                message = chosen.run(by=by, candidate=candidate, request=request, **options)
        except DomainError as error:
            outcomes.append(Outcome(candidate, False, error.message))
        else:
            outcomes.append(Outcome(candidate, True, str(message)))
    return outcomes
