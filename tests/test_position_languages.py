"""A position's call offered in several languages: the call languages of a position (page, API,
service), each question's text per language, what keeps such a script from being frozen, the
frozen script in every language (and the reading of versions frozen before), drafting in every
language, the demo position, and the tenant wall around all of it."""

import anthropic
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.management.commands.seed import DemoCompany
from aihm import ai
from aihm.errors import Conflict, Invalid
from aihm.tenancy import tenant_context
from recruiting import demo, drafting, services
from recruiting.models import Position, Question, ScriptVersion
from recruiting.scripts import question_text, question_texts, script_languages
from tests import factories
from tests.conftest import bearer_for
from tests.openapi_contract import schema_problem
from tests.stubs import StubServer

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
ENGLISH = ["Tell us about a Django project you led.", "How do you test your code?", "When could you start?"]
FRENCH = ["Parlez-nous d'un projet Django que vous avez mené.", "Comment testez-vous votre code ?", "Quand pouvez-vous commencer ?"]


@pytest.fixture(autouse=True)
def _offline_ai(settings):
    settings.ANTHROPIC_API_KEY = ""


@pytest.fixture
def api(recruiter_a, openapi_spec):
    """The recruiter's API client, its answers held to the OpenAPI schema as in the test_*api* modules."""
    client = bearer_for(recruiter_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    send = client.request

    def checked(**kwargs):
        response = send(**kwargs)
        problem = schema_problem(openapi_spec, response)
        assert problem is None, problem
        return response

    client.request = checked
    return client


def page_client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def reload(instance):
    with tenant_context(instance.tenant_id):
        return type(instance).objects.get(pk=instance.pk)


@pytest.fixture
def position(tenant_a):
    """French first, English offered: three questions, the English of the second still missing."""
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(title="Développeur·se Django", language="fr", call_languages=["en"])
        for order, (french, english) in enumerate(zip(FRENCH, ENGLISH), start=1):
            factories.QuestionFactory(position=position, order=order, text=french,
                                      translations={} if order == 2 else {"en": english})
        return position


def questions_of(position):
    with tenant_context(position.tenant_id):
        return list(position.questions.all())


def complete(position):
    """Write the missing English of the fixture's second question."""
    second = questions_of(position)[1]
    with tenant_context(position.tenant_id):
        Question.objects.filter(pk=second.pk).update(translations={"en": ENGLISH[1]})


# --- The call languages of a position -------------------------------------------------------------


@pytest.mark.parametrize("language, call_languages, offered", [
    ("fr", [], ["fr"]),
    ("fr", ["fr"], ["fr"]),
    ("fr", ["en"], ["fr", "en"]),
    ("fr", ["ar", "fr", "en"], ["fr", "ar", "en"]),
    ("en", ["fr", "en"], ["en", "fr"]),
])
def test_the_offered_languages_start_with_the_positions_own_each_once(language, call_languages, offered):
    position = Position(language=language, call_languages=call_languages)

    assert position.offered_languages == offered
    assert position.other_languages == offered[1:]


@pytest.mark.parametrize("call_languages, message", [
    (["en", "de"], "Unknown call language « de »: the languages are fr (French), en (English) and ar (Arabic)."),
    (["en", "ar", "en"], "English is listed twice in the call languages: list each language once."),
    ("en", "Give the call languages as a list of language codes (fr, en, ar)."),
])
def test_the_service_and_the_model_refuse_unknown_or_repeated_call_languages(call_languages, message):
    with pytest.raises(Invalid) as error:
        services.clean_position_values({"call_languages": call_languages})
    assert (error.value.message, error.value.field) == (message, "call_languages")
    with pytest.raises(ValidationError) as invalid:
        Position(title="Dev", call_languages=call_languages).clean()
    assert invalid.value.message_dict == {"call_languages": [message]}


def test_a_position_created_on_its_page_offers_the_languages_ticked(recruiter_a, tenant_a):
    form = {"title": "Support lead", "contract_type": "permanent", "language": "en", "status": "open", "call_languages": ["fr", "ar"]}

    response = page_client(recruiter_a).post(reverse("recruiting:position_create"), form)

    assert response.status_code == 302
    with tenant_context(tenant_a.pk):
        position = Position.objects.get(title="Support lead")
    assert position.call_languages == ["fr", "ar"] and position.offered_languages == ["en", "fr", "ar"]
    edit = page_client(recruiter_a).get(reverse("recruiting:position_edit", args=[position.pk]))
    assert edit.context["form"].initial["call_languages"] == ["fr", "ar"]


def test_an_unknown_call_language_on_the_page_is_refused_next_to_its_field(recruiter_a, tenant_a):
    form = {"title": "Support lead", "contract_type": "permanent", "language": "en", "status": "open", "call_languages": ["de"]}

    response = page_client(recruiter_a).post(reverse("recruiting:position_create"), form)

    assert response.status_code == 200
    assert "de is not one of the available choices" in response.context["form"].errors["call_languages"][0]
    with tenant_context(tenant_a.pk):
        assert not Position.objects.exists()


def test_the_api_takes_the_call_languages_and_shows_the_offered_ones(api):
    response = api.post(f"{V1}/positions", {"title": "Support lead", "language": "en", "call_languages": ["fr"]}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["call_languages"] == ["fr"] and response.json()["offered_languages"] == ["en", "fr"]
    patched = api.patch(f"{V1}/positions/{response.json()['id']}", {"call_languages": ["ar", "fr"]}, format="json")
    assert patched.status_code == 200 and patched.json()["offered_languages"] == ["en", "ar", "fr"]


@pytest.mark.parametrize("call_languages, message", [
    (["fr", "xx"], "call_languages[1]: Unknown language « xx »: the languages are fr (French), en (English) and ar (Arabic)."),
    (["en", "en"], "English is listed twice in the call languages: list each language once."),
    ("en", "call_languages: Must be a list."),
])
def test_the_api_refuses_an_unknown_or_repeated_call_language_with_a_readable_400(api, tenant_a, call_languages, message):
    response = api.post(f"{V1}/positions", {"title": "Support lead", "call_languages": call_languages}, format="json")

    assert response.status_code == 400 and response.json()["message"] == message
    with tenant_context(tenant_a.pk):
        assert not Position.objects.exists()


# --- Each question in each language ---------------------------------------------------------------


def test_the_script_page_asks_each_question_in_every_other_offered_language(recruiter_a, position):
    client = page_client(recruiter_a)
    page = client.get(reverse("recruiting:script", args=[position.pk]))

    assert [field.label for field in page.context["question_form"].translation_fields] == ["Question in English"]
    assert 'name="translations.en"' in page.content.decode() and "Question in French" in page.content.decode()
    added = client.post(reverse("recruiting:question_add", args=[position.pk]), {
        "text": "Quel outil de suivi utilisez-vous ?", "translations.en": "  Which tracking tool do you use?  ",
        "good_answer": "", "weight": "2", "max_answer_seconds": "60",
    })

    assert added.status_code == 302
    with tenant_context(position.tenant_id):
        question = position.questions.get(text="Quel outil de suivi utilisez-vous ?")
    assert question.translations == {"en": "Which tracking tool do you use?"}


def test_a_translation_is_edited_on_the_question_page_and_errors_show_next_to_it(recruiter_a, position):
    second = questions_of(position)[1]
    client = page_client(recruiter_a)
    url = reverse("recruiting:question_edit", args=[second.pk])
    values = {"text": second.text, "good_answer": "", "weight": "3", "max_answer_seconds": "90"}

    too_long = client.post(url, {**values, "translations.en": "x" * 501})
    hidden_character = client.post(url, {**values, "translations.en": "Which tools? \u202e"})
    saved = client.post(url, {**values, "translations.en": ENGLISH[1]})

    assert too_long.status_code == 200
    assert too_long.context["form"].errors["translations.en"] == ["Ensure this value has at most 500 characters (it has 501)."]
    assert "invisible character" in hidden_character.context["form"].errors["translations.en"][0]
    assert saved.status_code == 302 and reload(second).translations == {"en": ENGLISH[1]}


def test_a_translation_about_a_protected_characteristic_flags_the_question(recruiter_a, position):
    with tenant_context(position.tenant_id):
        question = services.add_question(by=recruiter_a, position=position, text="Parlez-nous de vous.",
                                         translations={"en": "Are you married?"})
        assert question.protected_topics == ["family"]
        edited = services.update_question(by=recruiter_a, question=question, good_answer="Un parcours clair.")
        assert edited.protected_topics == ["family"]
        cleared = services.update_question(by=recruiter_a, question=question, translations={"en": "Tell us about yourself."})
        assert cleared.protected_topics == []


def test_the_api_writes_and_shows_a_questions_translations(api, position):
    created = api.post(f"{V1}/positions/{position.pk}/questions",
                       {"text": "Quel outil utilisez-vous ?", "translations": {"en": "Which tool do you use?"}}, format="json")
    second = questions_of(position)[1]
    patched = api.patch(f"{V1}/questions/{second.pk}", {"translations": {"en": ENGLISH[1]}}, format="json")
    listed = api.get(f"{V1}/positions/{position.pk}/questions")

    assert created.status_code == 201 and created.json()["translations"] == {"en": "Which tool do you use?"}
    assert patched.status_code == 200 and patched.json()["translations"] == {"en": ENGLISH[1]}
    assert [q["translations"] for q in listed.json()["results"]][:3] == [{"en": english} for english in ENGLISH]
    assert reload(second).translations == {"en": ENGLISH[1]}


@pytest.mark.parametrize("translations, message", [
    ({"ar": "ما هي أدواتك؟"}, "The calls of this position are not offered in Arabic: add it to the position's call languages first."),
    ({"fr": "Quels outils ?"}, "French is the position's own language: the question's text is in it."),
    ({"de": "Welche Werkzeuge?"}, "Unknown language « de »: the languages are fr (French), en (English) and ar (Arabic)."),
    ({"en": "x" * 501}, "translations.en: Ensure this field has no more than 500 characters."),
    ({"en": 12}, "translations.en: Must be text, not a number."),
])
def test_the_api_refuses_a_translation_it_cannot_use_with_a_readable_400(api, position, translations, message):
    second = questions_of(position)[1]

    response = api.patch(f"{V1}/questions/{second.pk}", {"translations": translations}, format="json")

    assert response.status_code == 400 and response.json()["message"] == message
    assert reload(second).translations == {}


def test_changing_the_positions_own_language_keeps_each_text_in_its_language(recruiter_a, position):
    with tenant_context(position.tenant_id):
        services.update_position(by=recruiter_a, position=position, language="en", call_languages=["fr"])
    first, second, _third = questions_of(position)

    assert (first.text, first.translations) == (ENGLISH[0], {"fr": FRENCH[0]})
    assert (second.text, second.translations) == (FRENCH[1], {})  # no English yet: left for the recruiter


# --- What keeps a script in several languages from being frozen ----------------------------------


def test_a_question_without_its_text_in_an_offered_language_keeps_the_script_from_freezing(api, recruiter_a, position):
    problem = "Question 2 has no text in English yet: write it, or take the language out of the call languages."
    with tenant_context(position.tenant_id):
        assert services.script_problems(position) == [problem]
        with pytest.raises(Conflict, match="Question 2 has no text in English yet"):
            services.freeze_script(by=recruiter_a, position=position)

    detail = api.get(f"{V1}/positions/{position.pk}")
    refused = api.post(f"{V1}/positions/{position.pk}/script/freeze")
    page = page_client(recruiter_a).get(reverse("recruiting:script", args=[position.pk])).content.decode()

    assert detail.json()["script_problems"] == [problem]
    assert refused.status_code == 409 and refused.json()["message"] == problem
    assert problem in page and "Not written yet" in page
    with tenant_context(position.tenant_id):
        assert not ScriptVersion.objects.exists()


def test_every_missing_language_of_a_question_is_named(recruiter_a, position):
    with tenant_context(position.tenant_id):
        services.update_position(by=recruiter_a, position=position, call_languages=["en", "ar"])
        problems = services.script_problems(position)

    assert "Question 2 has no text in English, Arabic yet: write it, or take the language out of the call languages." in problems
    assert "Question 1 has no text in Arabic yet: write it, or take the language out of the call languages." in problems


# --- The frozen script in every language ------------------------------------------------------------


def test_the_frozen_script_holds_every_question_in_every_offered_language(api, recruiter_a, position):
    complete(position)
    with tenant_context(position.tenant_id):
        version = services.freeze_script(by=recruiter_a, position=position)
    ids = [str(q.pk) for q in questions_of(position)]

    assert version.language == "fr" and version.languages == ["fr", "en"]
    assert version.questions == [
        {"id": ids[n], "text": FRENCH[n], "texts": {"fr": FRENCH[n], "en": ENGLISH[n]},
         "good_answer": "A concrete project, the candidate's own role, a measurable result.", "weight": 1, "max_answer_seconds": 90}
        for n in range(3)
    ]
    assert [question_text(q, "en") for q in version.questions] == ENGLISH
    assert script_languages(version) == ["fr", "en"]
    versions = api.get(f"{V1}/positions/{position.pk}/script/versions").json()["results"]
    assert versions[0]["languages"] == ["fr", "en"]


def test_an_unchanged_script_keeps_its_version_and_a_new_language_or_text_makes_a_new_one(recruiter_a, position):
    complete(position)
    with tenant_context(position.tenant_id):
        first = services.freeze_script(by=recruiter_a, position=position)
        assert services.freeze_script(by=recruiter_a, position=position).pk == first.pk

        question = position.questions.first()
        services.update_question(by=recruiter_a, question=question, translations={"en": "Tell us about your best Django project."})
        retranslated = services.freeze_script(by=recruiter_a, position=position)

        services.update_position(by=recruiter_a, position=position, call_languages=["en", "ar"])
        for question in position.questions.all():
            services.update_question(by=recruiter_a, question=question, translations={**question.translations, "ar": "سؤال"})
        with_arabic = services.freeze_script(by=recruiter_a, position=position)

    assert [first.number, retranslated.number, with_arabic.number] == [1, 2, 3]
    assert retranslated.questions[0]["texts"]["en"] == "Tell us about your best Django project."
    assert with_arabic.languages == ["fr", "en", "ar"] and with_arabic.questions[1]["texts"]["ar"] == "سؤال"


def test_a_version_frozen_before_languages_is_read_in_its_own_language_and_kept_when_unchanged(recruiter_a, tenant_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(language="fr")
        questions = [factories.QuestionFactory(position=position, order=n, text=text) for n, text in enumerate(FRENCH)]
        old = factories.ScriptVersionFactory(position=position, number=1, language="fr", questions=[
            {"id": str(q.pk), "text": q.text, "good_answer": q.good_answer, "weight": q.weight, "max_answer_seconds": q.max_answer_seconds}
            for q in questions
        ])
        refrozen = services.freeze_script(by=recruiter_a, position=position)
    old = reload(old)

    assert old.languages == [] and script_languages(old) == ["fr"]
    assert [question_text(q, "fr") for q in old.questions] == FRENCH
    assert question_text(old.questions[0], "en") == FRENCH[0]  # a language it never had: its own
    assert question_texts(old.questions[0], old.language) == {"fr": FRENCH[0]}
    assert refrozen.pk == old.pk


# --- Drafting in every language ---------------------------------------------------------------------


def test_offline_drafting_writes_each_question_in_every_offered_language(recruiter_a, tenant_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(title="Data engineer", language="fr", call_languages=["en"])
        english_only = factories.PositionFactory(title="Data engineer", language="en")
        drafted = services.draft_script_with_ai(by=recruiter_a, position=position)
        english = drafting.draft_questions(english_only)
        problems = services.script_problems(position)

    assert len(drafted) == len(english) >= 5
    assert [q.translations for q in drafted] == [{"en": q["text"]} for q in english]
    assert drafted[0].text.startswith("Pouvez-vous présenter votre parcours")
    assert problems == []


def test_a_language_the_offline_drafter_cannot_write_is_left_for_the_recruiter(recruiter_a, tenant_a, monkeypatch):
    monkeypatch.setattr(drafting, "_TEMPLATES", {code: templates for code, templates in drafting._TEMPLATES.items() if code != "ar"})
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(language="fr", call_languages=["en", "ar"])
        drafted = services.draft_script_with_ai(by=recruiter_a, position=position)
        problems = services.script_problems(position)

    assert all(set(q.translations) == {"en"} for q in drafted)
    assert problems[0] == "Question 1 has no text in Arabic yet: write it, or take the language out of the call languages."
    assert len(problems) == len(drafted)


def _tool_message(questions):
    return {
        "id": "msg_01TestStub", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
        "content": [{"type": "tool_use", "id": "toolu_01TestStub", "name": "draft_questions", "input": {"questions": questions}}],
        "stop_reason": "tool_use", "stop_sequence": None, "usage": {"input_tokens": 900, "output_tokens": 600},
    }


def test_the_ai_drafts_the_other_languages_too_and_a_protected_translation_is_refused(settings, monkeypatch, tenant_a):
    fine = [
        {"text": f"Question {n} en français ?", "good_answer": "", "weight": 3, "max_answer_seconds": 90,
         "translations": {"en": f"  Question {n} in English?  ", "ar": "سؤال"}}
        for n in range(3)
    ]
    flagged = [{**fine[0], "translations": {"en": "How old are you?"}}, *fine[1:]]
    with StubServer() as stub, tenant_context(tenant_a.pk):
        settings.ANTHROPIC_API_KEY, settings.ANTHROPIC_BASE_URL, settings.AI_MAX_RETRIES = "test-key", stub.url, 0
        monkeypatch.setattr(anthropic._base_client.BaseClient, "_calculate_retry_timeout", lambda *args, **kwargs: 0)
        ai._anthropic_client.cache_clear()
        stub.add(200, _tool_message(flagged)).add(200, _tool_message(fine))
        position = factories.PositionFactory(language="fr", call_languages=["en"])
        drafted = drafting.draft_questions(position)
    ai._anthropic_client.cache_clear()

    assert [q["translations"] for q in drafted] == [{"en": f"Question {n} in English?"} for n in range(3)]
    assert len(stub.requests) == 2
    body = stub.requests[0].json()
    assert 'Other call languages: ["en"]' in body["messages"][0]["content"]
    assert "translations" in body["tools"][0]["input_schema"]["properties"]["questions"]["items"]["properties"]


# --- The demo position, and the tenant wall -------------------------------------------------------


def test_the_demo_support_lead_is_offered_in_english_and_french(admin_a, recruiter_a, viewer_a, tenant_a):
    company = DemoCompany(tenant=tenant_a, admin=admin_a, recruiter=recruiter_a, viewer=viewer_a)
    with tenant_context(tenant_a.pk):
        demo.seed_demo(company)
        position = Position.objects.get(title="Customer Support Team Lead")
        version = position.script_versions.get()
        problems = services.script_problems(position)

    assert position.offered_languages == ["en", "fr"] and version.languages == ["en", "fr"]
    assert problems == []
    assert version.questions[-1]["texts"] == {"en": "When could you start?", "fr": "À partir de quand pourriez-vous prendre ce poste ?"}


def test_another_company_can_neither_read_nor_change_the_languages_or_translations(admin_b, position):
    question = questions_of(position)[0]
    api_b, page_b = bearer_for(admin_b), page_client(admin_b)

    responses = [
        api_b.get(f"{V1}/positions/{position.pk}"),
        api_b.patch(f"{V1}/positions/{position.pk}", {"call_languages": ["ar"]}, format="json"),
        api_b.get(f"{V1}/questions/{question.pk}"),
        api_b.patch(f"{V1}/questions/{question.pk}", {"translations": {"en": "Hijacked"}}, format="json"),
        page_b.get(reverse("recruiting:question_edit", args=[question.pk])),
        page_b.post(reverse("recruiting:question_edit", args=[question.pk]),
                    {"text": "Hijacked", "translations.en": "Hijacked", "weight": "1", "max_answer_seconds": "60"}),
    ]

    assert [response.status_code for response in responses] == [404] * 6
    assert reload(position).call_languages == ["en"]
    assert (reload(question).text, reload(question).translations) == (FRENCH[0], {"en": ENGLISH[0]})
