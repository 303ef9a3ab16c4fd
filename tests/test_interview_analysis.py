"""The analysis of an interview's answers (`interviews.analysis`): the offline analyser, the
evidence gate that code applies before any provider is asked, the protected-topic filter, and
Claude through the real SDK against a stub on 127.0.0.1 (what it is sent, a made-up quote asked
again then that question alone not assessed, a bad output, 429 then success, exhaustion)."""

import copy

import pytest

from aihm import ai
from interviews import analysis
from interviews.personas import PERSONAS
from recruiting.drafting import draft_offline
from tests import test_ai_anthropic
from tests.test_ai_anthropic import OVERLOADED, RATE_LIMITED, tool_message

anthropic_stub = test_ai_anthropic.anthropic_stub  # the real SDK pointed at a local stub (a fixture)

QUESTIONS = [
    {"text": "Tell us about your experience with Python and Django.",
     "rubric": "Python, Django, PostgreSQL in production", "weight": 2},
    {"text": "How do you work in a team when a deadline is close?",
     "rubric": "communication, priorities, asks for help", "weight": 1},
    {"text": "When could you start?", "rubric": "a date or a notice period", "weight": 1},
]
GOOD = [
    {"text": "I have built web services in Python with Django for four years. Our data lived in PostgreSQL "
             "and I ran the production deployments myself.", "quality": "good"},
    {"text": "When a deadline is close I set the priorities with the team every morning. Communication is key, "
             "and I ask for help early when something blocks.", "quality": "good"},
    {"text": "I could start in one month, after my notice period.", "quality": "good"},
]
CANDIDATE_NAME = "Zineb El Amrani"


def run(answers=GOOD):
    return analysis.analyse(title="Backend developer", language="en", questions=QUESTIONS, answers=answers)


def test_the_offline_analysis_scores_each_answer_on_its_rubric_with_quotes_from_it(settings):
    settings.ANTHROPIC_API_KEY = ""

    output, provenance, gate = run()

    assert gate == "" and provenance["provider"] == ai.OFFLINE_PROVIDER
    by_number = {item["number"]: item for item in output["questions"]}
    assert by_number[1]["assessed"] and by_number[1]["score"] >= 4
    for number, item in by_number.items():
        for quote in item["quotes"]:
            assert quote in GOOD[number - 1]["text"]
    assert output["overall_score"] is not None and output["recommendation"] == analysis.ADVANCE
    assert output["summary"].startswith("Offline analysis")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_on_an_offline_drafted_script_the_offline_analysis_tells_the_good_candidate_from_the_weak(settings, language):
    """The drafted rubrics ask in general words ("a concrete example, a measurable result, a clear
    date"): the good persona's answers, with tools, numbers and their own role, show them; the
    vague persona's do not."""
    settings.ANTHROPIC_API_KEY = ""
    drafted = draft_offline({"language": language, "title": "Développeur Python / Django", "must_haves": ["Python", "Django"],
                             "skills": ["PostgreSQL"], "min_years_experience": 3}, {})["questions"]
    questions = [{"text": q["text"], "rubric": q["good_answer"], "weight": q["weight"]} for q in drafted]

    def interview(persona):
        answers = [{"text": PERSONAS[persona].answer_text(q["text"], language, n), "quality": "good"}
                   for n, q in enumerate(questions, start=1)]
        return analysis.analyse(title="Développeur Python / Django", language=language, questions=questions, answers=answers)[0]

    good, weak = interview("good"), interview("weak")
    assert good["recommendation"] == analysis.ADVANCE and good["overall_score"] >= 3.5, good
    assert all(item["score"] >= 2 for item in good["questions"]), good["questions"]
    assert weak["recommendation"] in (analysis.DO_NOT_ADVANCE, analysis.INSUFFICIENT), weak
    assert all(not item["assessed"] or item["score"] <= 1 for item in weak["questions"]), weak["questions"]


@pytest.mark.parametrize("rubric, answer, covered", [
    ("Une date claire et réaliste.", "Je suis disponible dans 1 mois.", True),
    ("Une date claire et réaliste.", "Euh, je ne sais pas trop.", False),
    ("A measurable result.", "We cut the response time by 40 percent.", True),
    ("A measurable result.", "It went well, I think.", False),
    ("The candidate's own role.", "I led the migration of the billing service last year.", True),
    ("The candidate's own role.", "The project was done by the company.", False),
])
def test_a_rubrics_general_words_are_shown_by_what_answers_them(rubric, answer, covered):
    score, quotes, found, total = analysis._question_assessment({"rubric": rubric, "question": "?"}, answer)
    assert total >= 1 and (found == total) is covered, (score, found, total)


def test_a_weak_answer_scores_low_and_is_a_concern(settings):
    settings.ANTHROPIC_API_KEY = ""
    weak = [dict(GOOD[0], text="I did a bit of Excel at school and some websites, nothing much really."), GOOD[1], GOOD[2]]

    output, _provenance, _gate = run(weak)

    first = output["questions"][0]
    assert first["score"] <= 1 and first["quotes"] == [weak[0]["text"]]
    assert any(point.startswith("Question 1") for point in output["concerns"])


@pytest.mark.parametrize("answers, reason", [
    ([None, None, None], "Only 0 of 3 questions were answered."),
    ([GOOD[0], None, None], "Only 1 of 3 questions were answered."),
    ([{"text": "Yes.", "quality": "good"}, {"text": "Maybe.", "quality": "good"}, None], "too few words"),
    ([dict(a, quality="poor") for a in GOOD], "poor quality"),
])
def test_code_decides_insufficient_evidence_before_any_provider_is_asked(anthropic_stub, answers, reason):
    output, provenance, gate = run(answers)

    assert reason in gate
    assert output["recommendation"] == analysis.INSUFFICIENT and output["overall_score"] is None
    assert not any(item["assessed"] for item in output["questions"])
    assert provenance["provider"] == "rules"
    assert anthropic_stub.requests == []


def test_points_about_protected_characteristics_are_dropped_and_counted():
    output = {
        "questions": [{"number": 1, "assessed": True, "score": 3, "quotes": ["x"], "rationale": "Mentions her children."}],
        "overall_score": 3.0, "strengths": ["Clear about Django."],
        "concerns": ["She may be pregnant soon.", "Vague on deadlines."], "to_explore": ["Ask about her religion."],
        "recommendation": analysis.HOLD, "summary": "Solid answers.",
    }

    cleaned, dropped = analysis.without_protected_topics(output)

    assert cleaned["concerns"] == ["Vague on deadlines."] and cleaned["to_explore"] == []
    assert cleaned["questions"][0]["rationale"] == "" and cleaned["strengths"] == ["Clear about Django."]
    assert dropped == 3


# --- Claude through its real SDK ---------------------------------------------------------------


def claude_answer():
    """What a well-behaved model answers: quotes copied from each answer."""
    return {
        "questions": [
            {"number": 1, "assessed": True, "score": 5, "quotes": ["built web services in Python with Django for four years"],
             "rationale": "Python, Django and PostgreSQL in production."},
            {"number": 2, "assessed": True, "score": 4, "quotes": ["I ask for help early when something blocks"],
             "rationale": "Sets priorities and asks for help."},
            {"number": 3, "assessed": True, "score": 5, "quotes": ["I could start in one month"], "rationale": "A clear date."},
        ],
        "overall_score": 4.8, "strengths": ["Production experience with Django."], "concerns": [],
        "to_explore": ["The size of the team they led."], "recommendation": analysis.ADVANCE,
        "summary": "Strong, concrete answers.",
    }


def test_claude_gets_questions_rubrics_and_delimited_transcripts_only(anthropic_stub, settings):
    anthropic_stub.add(200, tool_message(claude_answer(), name="analyse_interview", model=settings.AI_MODEL))

    output, provenance, _gate = run()

    assert output["overall_score"] == 4.8 and provenance["provider"] == "anthropic"
    assert provenance["prompt_version"] == "analyse_interview.v1" and provenance["dropped"] == 0
    (request,) = anthropic_stub.requests
    body = request.json()
    assert body["tool_choice"] == {"type": "tool", "name": "analyse_interview"}
    sent = body["messages"][0]["content"]
    assert '<untrusted name="answers">' in sent and "Our data lived in PostgreSQL" in sent
    assert "Python, Django, PostgreSQL in production" in sent  # the rubric
    assert CANDIDATE_NAME not in sent and "cv" not in sent.lower().split()


def test_a_made_up_quote_is_asked_again_then_that_question_alone_is_not_assessed(anthropic_stub, settings):
    invented = claude_answer()
    invented["questions"][1]["quotes"] = ["I always lead every team I join"]
    for _ in range(2):
        anthropic_stub.add(200, tool_message(invented, name="analyse_interview", model=settings.AI_MODEL))

    output, provenance, _gate = run()

    assert len(anthropic_stub.requests) == 2
    second = output["questions"][1]
    assert (second["assessed"], second["score"], second["quotes"]) == (False, None, [])
    assert output["questions"][0]["assessed"] and output["questions"][2]["assessed"]
    assert output["overall_score"] == 5.0  # the weighted mean of what stands
    assert provenance["usage"]["repaired"] is True


def test_a_made_up_quote_corrected_on_the_second_answer_is_kept(anthropic_stub, settings):
    invented = claude_answer()
    invented["questions"][0]["quotes"] = ["ten years of Kubernetes"]
    anthropic_stub.add(200, tool_message(invented, name="analyse_interview", model=settings.AI_MODEL))
    anthropic_stub.add(200, tool_message(claude_answer(), name="analyse_interview", model=settings.AI_MODEL))

    output, provenance, _gate = run()

    assert output == claude_answer() and "repaired" not in provenance["usage"]


def test_an_output_outside_the_schema_twice_fails_with_a_reason_never_a_zero(anthropic_stub, settings):
    broken = copy.deepcopy(claude_answer())
    broken["questions"][0]["score"] = 9
    for _ in range(2):
        anthropic_stub.add(200, tool_message(broken, name="analyse_interview", model=settings.AI_MODEL))

    with pytest.raises(ai.AIOutputRejected) as failure:
        run()

    assert "rejected twice" in str(failure.value)


def test_rate_limited_then_success(anthropic_stub, settings):
    anthropic_stub.add(429, RATE_LIMITED)
    anthropic_stub.add(200, tool_message(claude_answer(), name="analyse_interview", model=settings.AI_MODEL))

    output, _provenance, _gate = run()

    assert output["recommendation"] == analysis.ADVANCE and len(anthropic_stub.requests) == 2


def test_an_overloaded_provider_after_every_retry_is_unavailable(anthropic_stub):
    anthropic_stub.always(529, OVERLOADED)

    with pytest.raises(ai.AIUnavailable):
        run()


def test_the_offline_analysis_writes_in_the_interviews_language(settings):
    settings.ANTHROPIC_API_KEY = ""
    french = [
        {"text": "Je développe en Python avec Django depuis quatre ans, avec PostgreSQL en production.", "quality": "good"},
        {"text": "Je fixe les priorités avec l'équipe et je demande de l'aide tôt, la communication compte.", "quality": "good"},
        {"text": "Je peux commencer dans un mois, après mon préavis.", "quality": "good"},
    ]

    output, _provenance, _gate = analysis.analyse(title="Développeur", language="fr", questions=QUESTIONS, answers=french)

    assert output["summary"].startswith("Analyse hors ligne")
    assert output["questions"][0]["rationale"].endswith("figurent dans la réponse.")
    assert output["questions"][0]["quotes"] == [french[0]["text"]]
