"""What the interview tests share: the screening questions, a position with them, a candidate who
has consented, and Twilio's SDK pointed at a stub of its REST API."""

from contextlib import contextmanager

from aihm.tenancy import tenant_context
from consent import services as consent_services
from interviews.telephony import _twilio_client
from tests import factories
from tests.stubs import StubServer

QUESTIONS = (
    "Tell us about your experience with Python and Django.",
    "How do you work in a team when a deadline is close?",
    "When could you start, and what salary do you expect?",
)
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "stub-twilio-auth-token"
FROM_NUMBER = "+33939000000"
WEBHOOK_BASE_URL = "https://hooks.aihm.test"


def position_with_questions(tenant, owner, questions=QUESTIONS):
    with tenant_context(tenant.pk):
        position = factories.PositionFactory(owner=owner, title="Développeur Python", language="en")
        for order, text in enumerate(questions):
            factories.QuestionFactory(position=position, order=order, text=text, max_answer_seconds=60)
        return position


def consenting_candidate(position, recruiter, **fields):
    """A candidate of `position` whose consent the recruiter noted."""
    values = {"full_name": "Zineb El Amrani", "phone": "+212612345678", **fields}
    with tenant_context(position.tenant_id):
        candidate = factories.CandidateFactory(position=position, **values)
        consent_services.record_recruiter_consent(candidate=candidate, by=recruiter, note="Agreed by phone on 3 March.")
        return candidate


@contextmanager
def twilio_stub(settings):
    """Real Twilio credentials in form, the SDK's requests going to a stub on 127.0.0.1."""
    with StubServer() as stub:
        settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
        settings.TWILIO_FROM_NUMBER = FROM_NUMBER
        settings.TWILIO_API_BASE_URL = stub.url
        settings.TWILIO_WEBHOOK_BASE_URL = WEBHOOK_BASE_URL
        _twilio_client.cache_clear()
        try:
            yield stub
        finally:
            _twilio_client.cache_clear()
