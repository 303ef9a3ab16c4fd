"""AI drafting of screening questions: the offline drafts in French, English and Arabic, and the
refusal of anything about a protected characteristic."""

import re
from types import SimpleNamespace

import pytest

from aihm import ai
from aihm.errors import DomainError
from aihm.tenancy import tenant_context
from recruiting import drafting, services
from recruiting.drafting import DRAFT_QUESTIONS, draft_questions
from recruiting.protected import protected_topics
from tests import factories

ARABIC_LETTERS = re.compile(r"[\u0600-\u06FF]")


def position(**values):
    defaults = {
        "title": "Superviseur·e de plateau", "language": "fr", "description": "Centre d'appels de 80 positions.",
        "must_haves": ["Expérience en centre d'appels", "Encadrement d'équipe"], "skills": ["KPI", "Excel", "Formation"],
        "nice_to_haves": ["Anglais"], "min_years_experience": 3,
    }
    return SimpleNamespace(**{**defaults, **values})


def drafted_offline(**values):
    questions = draft_questions(position(**values))
    ai.validate_output(DRAFT_QUESTIONS, {"questions": questions}, {}, {})
    return questions


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
@pytest.mark.parametrize("values", [
    {},
    {"must_haves": [], "skills": [], "nice_to_haves": [], "min_years_experience": None, "title": ""},
    {"must_haves": ["Python", "Django", "PostgreSQL"], "skills": ["Docker", "Celery"], "min_years_experience": 1},
])
def test_offline_drafts_five_to_seven_valid_questions_free_of_protected_topics(language, values):
    questions = drafted_offline(language=language, **values)
    assert 5 <= len(questions) <= 7
    for question in questions:
        assert protected_topics(question["text"]) == [] and protected_topics(question["good_answer"]) == []
        assert 1 <= question["weight"] <= 5 and 15 <= question["max_answer_seconds"] <= 300
        assert set(question) == {"text", "good_answer", "weight", "max_answer_seconds"}


def test_questions_are_built_from_the_title_must_haves_skills_and_years():
    texts = [q["text"] for q in drafted_offline()]
    assert "Superviseur·e de plateau" in texts[0]
    assert "« Expérience en centre d'appels »" in texts[1] and "« Encadrement d'équipe »" in texts[2]
    assert "« KPI »" in texts[3]
    assert any("3 ans d'expérience" in text for text in texts)
    assert [q["weight"] for q in drafted_offline()][1:3] == [5, 5]


def test_english_questions_are_in_english():
    texts = [q["text"] for q in drafted_offline(language="en", min_years_experience=1)]
    assert texts[0].startswith("Could you walk us through your background")
    assert any("at least 1 year of experience" in text for text in texts)


def test_arabic_questions_are_written_in_arabic():
    questions = drafted_offline(language="ar", min_years_experience=2)
    for question in questions:
        letters = [c for c in question["text"] if c.isalpha()]
        arabic = [c for c in letters if ARABIC_LETTERS.match(c)]
        assert len(arabic) > len(letters) / 2, question["text"]
        assert ARABIC_LETTERS.search(question["good_answer"])
    assert any("سنتين من الخبرة" in q["text"] for q in questions)


def test_protected_requirements_and_titles_never_become_questions():
    questions = drafted_offline(
        title="Jeune commercial", must_haves=["Célibataire", "Permis B"], skills=["Nationalité française", "Excel"],
    )
    texts = " ".join(q["text"] for q in questions)
    assert "Jeune" not in texts and "Célibataire" not in texts and "Nationalité" not in texts
    assert "« Permis B »" in texts and "« Excel »" in texts


def test_the_check_rejects_a_drafted_question_about_a_protected_characteristic():
    output = {"questions": [
        {"text": "Décrivez votre dernière clôture.", "good_answer": "", "weight": 3, "max_answer_seconds": 90},
        {"text": "Quel âge avez-vous ?", "good_answer": "", "weight": 1, "max_answer_seconds": 30},
        {"text": "Êtes-vous enceinte ?", "good_answer": "", "weight": 1, "max_answer_seconds": 30},
    ]}
    with pytest.raises(ValueError, match="question 2 touches a protected characteristic"):
        ai.validate_output(DRAFT_QUESTIONS, output, {}, {})


@pytest.mark.parametrize("count", [2, 11])
def test_the_schema_wants_three_to_ten_questions(count):
    question = {"text": "Décrivez votre dernière clôture.", "good_answer": "", "weight": 3, "max_answer_seconds": 90}
    with pytest.raises(ValueError, match="schema"):
        ai.validate_output(DRAFT_QUESTIONS, {"questions": [question] * count}, {}, {})


def test_provider_problems_become_readable_domain_errors(monkeypatch):
    def unavailable(*args, **kwargs):
        raise ai.AIUnavailable("AI provider unavailable (RateLimitError)")

    def rejected(*args, **kwargs):
        raise ai.AIOutputRejected("the AI answer was rejected twice (question 1 touches a protected characteristic)")

    monkeypatch.setattr(drafting.ai, "run", unavailable)
    with pytest.raises(drafting.DraftingUnavailable) as error:
        draft_questions(position())
    assert error.value.status_code == 503
    monkeypatch.setattr(drafting.ai, "run", rejected)
    with pytest.raises(DomainError) as error:
        draft_questions(position())
    assert error.value.status_code == 409


@pytest.mark.django_db
def test_the_script_service_stores_the_drafted_questions_for_review(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        stored_position = factories.PositionFactory(language="en", must_haves=["Python"], skills=["Django"], min_years_experience=2)
        created = services.draft_script_with_ai(by=recruiter_a, position=stored_position)
        assert len(created) == len(draft_questions(stored_position))
        assert all(q.drafted_by_ai and q.protected_topics == [] for q in created)
        assert services.script_problems(stored_position) == []
