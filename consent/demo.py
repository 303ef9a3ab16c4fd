"""Demo data of consent: two candidates of each open position have consented (noted by the
recruiter), so that a newcomer can schedule a simulated phone interview at once."""

from consent import selectors, services
from recruiting.models import Candidate, Position, PositionStatus

CONSENTING_PER_POSITION = 2


def seed_demo(company):
    """Called by `manage.py seed` inside the demo company's tenant context; idempotent."""
    for position in Position.objects.filter(status=PositionStatus.OPEN).order_by("created_at"):
        for candidate in Candidate.objects.filter(position=position).order_by("created_at")[:CONSENTING_PER_POSITION]:
            if selectors.latest_record(candidate) is None:
                services.record_recruiter_consent(
                    candidate=candidate, by=company.recruiter,
                    note="Demo data: consent noted by the recruiter (the candidate agreed by phone).",
                )
