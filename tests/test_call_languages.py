"""A position offered in several languages: the call opens with a keypad menu (each option in its
own language and voice, each saying that an automated assistant calls), the default is the
language the candidate read the consent page in, the chosen language is kept for the opening and
the questions, and a resumed interview keeps its language. Through the real webhook views with
real signatures, and end to end with the simulator."""

from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aihm.tenancy import tenant_context
from consent import services as consent_services
from consent.models import ConsentRecord
from interviews import services, telephony
from interviews.models import Answer, AnswerState, AttemptState, CallAttempt, Interview, InterviewState
from interviews.webhook_security import signature_for
from tests import factories
from tests.interviews_support import WEBHOOK_BASE_URL, twilio_stub

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"  # a Tuesday, 11:00 in Casablanca
QUESTIONS = (
    ("Tell us about your last project.", "Parlez-nous de votre dernier projet."),
    ("When could you start?", "Quand pourriez-vous commencer ?"),
    ("Why this team?", "Pourquoi cette équipe ?"),
)


@pytest.fixture
def position(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a, title="Support lead", language="en", call_languages=["fr"])
        for order, (english, french) in enumerate(QUESTIONS):
            factories.QuestionFactory(position=position, order=order, text=english, translations={"fr": french}, max_answer_seconds=60)
        return position


def candidate_who_read(position, recruiter, language, phone="+212612345678"):
    """A candidate who accepted on the consent page, reading it in `language`."""
    with tenant_context(position.tenant_id):
        candidate = factories.CandidateFactory(position=position, phone=phone, email=f"{phone[1:]}@example.test")
        mail.outbox.clear()
        consent_services.request_consent(candidate=candidate, by=recruiter)
    token = re.search(r"/consent/([A-Za-z0-9_-]{40,})/", mail.outbox[-1].body).group(1)
    with consent_services.opened_request(token) as consent_request:
        shown = consent_services.notice_for(consent_request, language).text_hash
    consent_services.accept(token=token, notice_hash=shown, language=language)
    with tenant_context(position.tenant_id):
        assert ConsentRecord.objects.filter(candidate=candidate).latest("id").language == language
    return candidate


def reload(interview):
    with tenant_context(interview.tenant_id):
        return Interview.objects.get(pk=interview.pk)


def post(name, attempt, params=None, **query):
    path = reverse(name, args=[attempt.pk]) + (f"?{urlencode(query)}" if query else "")
    params = {"CallSid": attempt.call_sid, "From": "+33939000000", "To": "+212612345678", **(params or {})}
    signature = signature_for(WEBHOOK_BASE_URL + path, params, telephony.auth_token())
    response = Client().post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    return ElementTree.fromstring(response.content)


def dialling(interview):
    """The interview's first attempt, as the dialler leaves it once Twilio took the call."""
    with tenant_context(interview.tenant_id):
        Interview.objects.filter(pk=interview.pk).update(state=InterviewState.DIALLING)
        return CallAttempt.objects.create(interview=interview, number=1, state=AttemptState.DIALLING, call_sid="CA" + "f6" * 16)


def scheduled(candidate, recruiter):
    with tenant_context(candidate.tenant_id):
        return services.schedule_interview(by=recruiter, candidate=candidate, at=timezone.now() + timedelta(days=1))


@pytest.fixture
def twilio(settings):
    with twilio_stub(settings) as stub:
        yield stub


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_call_starts_in_the_language_of_the_consent_page_when_the_script_offers_it(twilio, position, recruiter_a):
    french = scheduled(candidate_who_read(position, recruiter_a, "fr"), recruiter_a)
    assert french.language == "fr"
    assert french.script.languages == ["en", "fr"]

    arabic = scheduled(candidate_who_read(position, recruiter_a, "ar", phone="+212600000001"), recruiter_a)
    assert arabic.language == "en"  # Arabic is not offered: the script's own language


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_menu_comes_first_with_the_disclosure_in_each_language_and_the_key_chooses(twilio, position, recruiter_a):
    interview = scheduled(candidate_who_read(position, recruiter_a, "fr"), recruiter_a)
    attempt = dialling(interview)

    menu = post("interviews:webhook_voice", attempt, {"AnsweredBy": "human", "CallStatus": "in-progress"})

    [gather] = menu.findall("Gather")
    options = gather.findall("Say")
    assert [say.get("language") for say in options] == ["en-US", "fr-FR"]
    assert options[0].text.startswith("This is an automated assistant calling on behalf of")
    assert options[1].text.startswith("Ceci est un assistant automatisé")
    assert menu.find("Record") is None and not list(menu.iter("Record"))
    assert menu[-1].tag == "Redirect" and menu[-1].text.endswith("no_input=1&language=fr")

    opening = post("interviews:webhook_language", attempt, {"Digits": "1"})

    assert reload(interview).language == "en"
    assert "automated assistant, an artificial intelligence, calling on behalf of" in " ".join(
        say.text for say in opening.iter("Say"))
    first = post("interviews:webhook_confirm", attempt, {"Digits": "1"})
    assert QUESTIONS[0][0] in " ".join(say.text for say in first.iter("Say"))


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_no_key_keeps_the_default_and_the_questions_are_asked_in_it(twilio, position, recruiter_a):
    interview = scheduled(candidate_who_read(position, recruiter_a, "fr"), recruiter_a)
    attempt = dialling(interview)
    post("interviews:webhook_voice", attempt, {"AnsweredBy": "human"})

    opening = post("interviews:webhook_language", attempt, {}, no_input="1", language="fr")

    assert reload(interview).language == "fr"
    assert [say.get("language") for say in opening.iter("Say")][0] == "fr-FR"
    first = post("interviews:webhook_confirm", attempt, {"Digits": "1"})
    assert QUESTIONS[0][1] in " ".join(say.text for say in first.iter("Say"))


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_resumed_interview_keeps_its_language_and_skips_the_menu(twilio, position, recruiter_a):
    interview = scheduled(candidate_who_read(position, recruiter_a, "fr"), recruiter_a)
    attempt = dialling(interview)
    with tenant_context(interview.tenant_id):
        Answer.objects.create(interview=interview, attempt=attempt, question_index=0, state=AnswerState.STORED)

    opening = post("interviews:webhook_voice", attempt, {"AnsweredBy": "human"})

    assert opening.find("Gather").get("action").endswith("/confirm")
    assert [say.get("language") for say in opening.iter("Say")][0] == "fr-FR"


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_simulated_interview_in_the_consent_pages_language_completes(position, recruiter_a):
    candidate = candidate_who_read(position, recruiter_a, "fr")
    with tenant_context(candidate.tenant_id):
        interview = services.schedule_interview(by=recruiter_a, candidate=candidate, persona="good")

    done = reload(interview)
    assert (done.state, done.language) == (InterviewState.AUDIO_COMPLETE, "fr")
    with tenant_context(candidate.tenant_id):
        assert list(Answer.objects.filter(interview=interview).values_list("state", flat=True)) == [AnswerState.STORED] * 3
