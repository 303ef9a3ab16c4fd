"""The analysis of an interview's answers against each question's rubric: the AI task, its
offline implementation, and the rules code applies whatever the provider.

What the analysis sees: the position's title, the questions with their rubrics and weights, and
the transcripts of the answers (delimited as untrusted data). Never the CV, the candidate's name,
the voice or anything about protected characteristics.

What comes back, per question: a score on the rubric's scale (0-5), the words quoted from that
answer's transcript that justify it (each quote checked in code: a made-up quote makes the model
answer again, then that question alone is "not assessed"), and a one-line rationale; then an
overall score, strengths, concerns, points to explore in a human interview, and an advisory
recommendation. Code, not the model, decides "insufficient evidence" (`evidence_gate`), and drops
any point that touches a protected characteristic, keeping a count of what it dropped.
"""

import math
import re

from django.utils import translation
from django.utils.translation import gettext as _

from aihm import ai
from recruiting.protected import protected_topics
from recruiting.scoring import _best_evidence, _normal, _sentences_matching, cv_sentences, quote_in, requirement_concepts

SCALE_MAX = 5
ADVANCE, HOLD, DO_NOT_ADVANCE, INSUFFICIENT = "advance", "hold", "do_not_advance", "insufficient_evidence"
RECOMMENDATIONS = (ADVANCE, HOLD, DO_NOT_ADVANCE, INSUFFICIENT)
# The evidence gate: below these, no overall score and "insufficient evidence".
MIN_ANSWERED_SHARE = 0.5
MIN_WORDS_SPOKEN = 25
MIN_GOOD_SHARE = 0.5

_TEXT_LIST = {"type": "array", "maxItems": 6, "items": {"type": "string", "maxLength": 300}}
ANALYSIS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["questions", "overall_score", "strengths", "concerns", "to_explore", "recommendation", "summary"],
    "properties": {
        "questions": {
            "type": "array",
            "maxItems": 20,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["number", "assessed", "score", "quotes", "rationale"],
                "properties": {
                    "number": {"type": "integer", "minimum": 1, "maximum": 20},
                    "assessed": {"type": "boolean"},
                    "score": {"type": ["integer", "null"], "minimum": 0, "maximum": SCALE_MAX},
                    "quotes": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 300}},
                    "rationale": {"type": "string", "maxLength": 300},
                },
            },
        },
        "overall_score": {"type": ["number", "null"], "minimum": 0, "maximum": SCALE_MAX},
        "strengths": _TEXT_LIST,
        "concerns": _TEXT_LIST,
        "to_explore": _TEXT_LIST,
        "recommendation": {"type": "string", "enum": list(RECOMMENDATIONS)},
        "summary": {"type": "string", "maxLength": 1200},
    },
}


def _words(text):
    return len(re.findall(r"\w{2,}", text or ""))


# --- What the analysis is given ----------------------------------------------------------------


def build_request(*, title, language, questions, answers):
    """(inputs, untrusted) for the task. `questions`: [{"text", "rubric", "weight"}] in script
    order; `answers`: one per question, {"text", "quality"} or None for a question not answered."""
    inputs = {
        "title": title,
        "language": language,
        "questions": [
            {"number": number, "question": q["text"], "rubric": q.get("rubric", ""), "weight": q.get("weight", 1),
             "answered": bool(answers[number - 1] and answers[number - 1]["text"].strip())}
            for number, q in enumerate(questions, start=1)
        ],
    }
    blocks = [f"[{_('Answer to question %(n)d') % {'n': n}}]\n{(a or {}).get('text', '').strip() or '-'}" for n, a in enumerate(answers, start=1)]
    untrusted = {"answers": "\n\n".join(blocks)}
    # Each answer on its own, for the checks (the prompt shows only the block above).
    untrusted.update({f"answer_{n}": (a or {}).get("text", "") for n, a in enumerate(answers, start=1)})
    return inputs, untrusted


def evidence_gate(answers):
    """The reason there is not enough to assess (a readable sentence), or "" when there is."""
    asked = len(answers)
    answered = [a for a in answers if a and a["text"].strip()]
    if not asked or len(answered) < max(1, math.ceil(asked * MIN_ANSWERED_SHARE)):
        return _("Only %(answered)d of %(asked)d questions were answered.") % {"answered": len(answered), "asked": asked}
    if sum(_words(a["text"]) for a in answered) < MIN_WORDS_SPOKEN:
        return _("The answers hold too few words to assess.")
    good = [a for a in answered if a.get("quality", "good") == "good"]
    if len(good) < math.ceil(len(answered) * MIN_GOOD_SHARE):
        return _("Most transcripts are of poor quality: listen to the recordings.")
    return ""


# --- Checks on any provider's output -----------------------------------------------------------


def _quote_problems(output, untrusted):
    """Numbers of the assessed questions with a quote that is not in that question's transcript."""
    bad = []
    for item in output["questions"]:
        transcript = _normal(untrusted.get(f"answer_{item['number']}", ""))
        if item["assessed"] and any(not quote_in(quote, transcript) for quote in item["quotes"]):
            bad.append(item["number"])
    return bad


def check_analysis(output, inputs, untrusted):
    """What the schema cannot say. A ValueError makes the model answer again."""
    asked = [q["number"] for q in inputs["questions"]]
    numbers = [item["number"] for item in output["questions"]]
    if sorted(numbers) != asked:
        raise ValueError("the questions assessed are not the questions asked, each once")
    answered = {q["number"]: q["answered"] for q in inputs["questions"]}
    for item in output["questions"]:
        if item["assessed"] and not answered[item["number"]]:
            raise ValueError(f"question {item['number']} was not answered and cannot be assessed")
        if item["assessed"] != (item["score"] is not None):
            raise ValueError(f"question {item['number']} has a score only if it is assessed")
        if item["assessed"] and not item["quotes"]:
            raise ValueError(f"question {item['number']} is assessed without a quote")
    bad = _quote_problems(output, untrusted)
    if bad:
        raise ValueError(f"the quotes of question(s) {', '.join(map(str, bad))} are not in their answers")
    if (output["recommendation"] == INSUFFICIENT) != (output["overall_score"] is None):
        raise ValueError("an overall score goes with every recommendation but insufficient evidence")


def repair_analysis(output, inputs, untrusted):
    """After a second answer with made-up quotes: those questions are not assessed; the rest stands
    and the overall score is the weighted mean of what is left."""
    bad = set(_quote_problems(output, untrusted))
    repaired = dict(output, questions=[
        dict(item, assessed=False, score=None, quotes=[], rationale=_("Not assessed: the AI's quotes were not in the answer."))
        if item["number"] in bad else item
        for item in output["questions"]
    ])
    overall = weighted_overall(repaired["questions"], inputs["questions"])
    repaired["overall_score"] = overall
    if overall is None:
        repaired["recommendation"] = INSUFFICIENT
    elif repaired["recommendation"] == INSUFFICIENT:
        repaired["recommendation"] = recommendation_for(overall)
    return repaired


def weighted_overall(items, questions):
    weights = {q["number"]: q.get("weight", 1) or 1 for q in questions}
    scored = [(item["score"], weights[item["number"]]) for item in items if item["assessed"]]
    if not scored:
        return None
    return round(sum(score * weight for score, weight in scored) / sum(weight for _score, weight in scored), 1)


def recommendation_for(overall):
    if overall >= 3.5:
        return ADVANCE
    if overall >= 2.5:
        return HOLD
    return DO_NOT_ADVANCE


def without_protected_topics(output):
    """The output with every point (strength, concern, point to explore, rationale) that touches a
    protected characteristic removed; returns (output, how many were dropped)."""
    dropped = 0
    cleaned = dict(output)
    for key in ("strengths", "concerns", "to_explore"):
        kept = [text for text in output[key] if not protected_topics(text)]
        dropped += len(output[key]) - len(kept)
        cleaned[key] = kept
    questions = []
    for item in output["questions"]:
        if protected_topics(item["rationale"]):
            dropped += 1
            item = dict(item, rationale="")
        questions.append(item)
    cleaned["questions"] = questions
    if protected_topics(output["summary"]):
        dropped += 1
        cleaned["summary"] = ""
    return cleaned, dropped


# --- The offline analyser ----------------------------------------------------------------------


def _any_of(*stems):
    return r"\b(?:" + "|".join(stems) + ")"


_NUMBER = _any_of(r"\d", "deux", "trois", "quatre", "cinq", "dix", "vingt", "trente", "cent", "mille",
                 "two", "three", "four", "five", "ten", "twenty", "thirty", "hundred", "thousand")
_FIRST_PERSON = (r"\bj'(?:ai|etais|anime|encadre|dirige|gere|organise)\b|\bje (?:dirige|gere|pilote|travaille|suis|m'occupe|"
                 r"anime|encadre|fais|prepare|vise|peux|reste)\b|\bi (?:have|had|led|built|run|ran|work|worked|manage|"
                 r"managed|owned|handled|trained|migrated|automated|am|call|can|could)\b|\bmy (?:role|job|team|experience)\b")

# What a rubric asks for in general words ("a concrete example", "a measurable result", "a clear
# date"), each as (the rubric's words, folded, that ask for it; what shows it in an answer). A
# rubric's literal terms ("Python", "notice period") are still looked for as they are written.
RUBRIC_QUALITIES = (
    (_any_of("chiffr", "mesur", "measur", "quantif", "resultat", "result", "outcome", "impact"), _NUMBER),
    (_any_of("exemple", "example", "concret", "concrete", "situation", "realisation", "achievement", "projet", "project"),
     r"(?:\S+\s+){11,}\S+"),  # told at some length: twelve words or more in one sentence
    (_any_of("role", "contribution", "responsabilit", "responsibilit"), _FIRST_PERSON),
    (_any_of("parcours", "background", "experience", "career", "carriere"),
     _any_of(r"\d+ (?:ans|annees|years)", "experience", "parcours", "career", "carriere", "depuis", "since")),
    (_any_of("motivation", "motive", "interet", "interest"),
     _any_of("motiv", "interess", "passion", "envie", "attir", "interest", "excit", "enjoy", "j'aime", "i like", "i love")),
    (_any_of("cooperation", "collabor", "equipe", "team", "communication", "collegue", "colleague"),
     _any_of("equipe", "team", "collegue", "colleague", "scrum", "revue", "review", "reunion", "meeting", "stand-up",
            "point quotidien", "ensemble", "together", "encadr", "communic")),
    (_any_of("organisation", "organization", "organis", "organiz", "methode", "method", "etapes", "steps"),
     _any_of("scrum", "kanban", "jira", "planning", "plan", "priorit", "etape", "step", "d'abord", "puis", "ensuite",
            "first", "then", "quotidien", "daily", "chaque (?:jour|semaine|matin)", "every (?:day|week|morning)")),
    (_any_of("enseignement", "lecon", "lesson", "appris", "learn", "retient", "retenu"),
     _any_of("appris", "lecon", "retenu", "learn", "lesson", "depuis", "since then", "desormais", "forme", "trained")),
    (_any_of("date", "quand", "when", "disponib", "availab", "start", "commenc", "delai"),
     _any_of(r"\d", "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
            "novembre", "decembre", "lundi", "monday", "mois", "semaine", "month", "week", "immediat", "tout de suite",
            "right away", "preavis", "notice")),
    (_any_of("niveau", "level", "maitrise", "command", "self-assessment", "auto-evaluation", "evalu", "rate"),
     _any_of("niveau", "level", "maitrise", "expert", "confirm", "avance", "advanced", "solide", "solid", "strong",
            "confident", "connais bien", "know well", r"\d+ (?:ans|years)", "depuis", "since")),
    (_any_of("probleme", "problem", "difficulte", "difficulty", "solution", "surmont", "overcame", "resol", "solved"),
     _any_of("probleme", "problem", "difficult", "bug", "incident", "panne", "outage", "solution", "resolu", "solved",
            "fixed", "corrige", "regle", "automatis", "automated", "reduit", "cut", "brought")),
    (_any_of("resume", "summary"), r"(?:\S+\s+){11,}\S+"),
)
_QUALITY_PATTERNS = tuple((re.compile(asks + r"\w*"), re.compile(shows)) for asks, shows in RUBRIC_QUALITIES)
# The words a rubric uses to qualify what it asks for, which an answer need not repeat.
RUBRIC_QUALIFIERS = _any_of(
    "clair", "claire", "clairement", "clear", "clearly", "precis", "precise", "precisement", "precisely", "specific",
    "specifique", "reel", "reelle", "real", "detaille", "detailed", "honnete", "honnetement", "honest", "honestly",
    "pertinent", "relevant", "realiste", "realistic", "recent", "candidat", "candidate", "personnel", "personnelle",
    "personal", "own", "lie", "liee", "related", "lien", "poste", "estime", "decrit", "described", "tire", "drawn",
    "utilisation", "using", "use", "pratique", "practice", "bien", "well", "responsabilites", "responsibilities",
) + r"\w*"
_QUALIFIER_PATTERN = re.compile(RUBRIC_QUALIFIERS)


def rubric_concepts(rubric):
    """The things a rubric asks for, each as a list of patterns any of which shows it: one per
    general quality it names (`RUBRIC_QUALITIES`), then its literal terms, as the CV scoring reads
    a requirement; the qualifiers (`RUBRIC_QUALIFIERS`) are not looked for."""
    text = " " + _normal(rubric) + " "
    concepts = []
    for asked, shown in _QUALITY_PATTERNS:
        if asked.search(text):
            concepts.append([shown])
            text = asked.sub(" ", text)
    text = _QUALIFIER_PATTERN.sub(" ", text)
    return concepts + requirement_concepts(text) if text.strip(" .,;:'\"-") else concepts


def _question_assessment(question, transcript):
    """Rubric concepts found in the answer -> a 0-5 score and the sentences that show them."""
    sentences = cv_sentences(transcript)
    folded = [_normal(sentence) for sentence in sentences]
    concepts = rubric_concepts(question["rubric"] or question["question"])
    matches = [_sentences_matching(patterns, folded) for patterns in concepts]
    covered = sum(1 for found in matches if found)
    score = round(SCALE_MAX * covered / len(concepts)) if concepts else 0
    best = _best_evidence([found for found in matches if found], folded)
    quotes = [sentences[best]] if best is not None else sentences[:1]
    return score, [quote[:300] for quote in quotes], covered, len(concepts)


def analyse_offline(inputs, untrusted):
    """Deterministic: each rubric's key terms (with the synonyms of CV scoring) looked for in its
    answer; quotes are sentences of the transcript. Labelled "offline analysis" in the UI."""
    language = inputs["language"] if inputs["language"] in ("fr", "en") else "fr"
    with translation.override(language):
        items = []
        for question in inputs["questions"]:
            number = question["number"]
            if not question["answered"]:
                items.append({"number": number, "assessed": False, "score": None, "quotes": [],
                              "rationale": _("Not answered.")})
                continue
            score, quotes, covered, total = _question_assessment(question, untrusted.get(f"answer_{number}", ""))
            rationale = (_("%(covered)d of the %(total)d points of the rubric appear in the answer.")
                         % {"covered": covered, "total": total}) if total else _("The rubric names nothing to look for.")
            items.append({"number": number, "assessed": True, "score": score, "quotes": quotes, "rationale": rationale})
        overall = weighted_overall(items, inputs["questions"])
        strengths = [_("Question %(n)d: the answer covers the rubric well.") % {"n": i["number"]}
                     for i in items if i["assessed"] and i["score"] >= 4]
        concerns = [_("Question %(n)d: the answer misses most of the rubric.") % {"n": i["number"]}
                    for i in items if i["assessed"] and i["score"] <= 1]
        to_explore = [_("Question %(n)d: ask again in a human interview.") % {"n": i["number"]}
                      for i in items if not i["assessed"] or 2 <= i["score"] <= 3]
        recommendation = INSUFFICIENT if overall is None else recommendation_for(overall)
        summary = (_("Offline analysis: rubric terms found in the transcripts, an overall %(score)s out of 5.")
                   % {"score": overall}) if overall is not None else _("Offline analysis: nothing could be assessed.")
    return {
        "questions": items, "overall_score": overall, "strengths": strengths[:6], "concerns": concerns[:6],
        "to_explore": to_explore[:6], "recommendation": recommendation, "summary": summary,
    }


ANALYSE_INTERVIEW = ai.AITask(
    name="analyse_interview",
    prompt="interviews/analyse_interview.v1",
    schema=ANALYSIS_SCHEMA,
    offline=analyse_offline,
    check=check_analysis,
    repair=repair_analysis,
    max_tokens=4096,
)


def analyse(*, title, language, questions, answers):
    """The analysis of one interview: the gate first (no provider call when it closes), then the
    task, then the protected-topic filter. Returns (output, provenance dict, gate reason)."""
    inputs, untrusted = build_request(title=title, language=language, questions=questions, answers=answers)
    reason = evidence_gate(answers)
    if reason:
        output = {
            "questions": [{"number": q["number"], "assessed": False, "score": None, "quotes": [], "rationale": ""}
                          for q in inputs["questions"]],
            "overall_score": None, "strengths": [], "concerns": [], "to_explore": [],
            "recommendation": INSUFFICIENT, "summary": reason,
        }
        return output, {"provider": "rules", "model": "", "prompt_version": "", "usage": {}, "dropped": 0}, reason
    result = ai.run(ANALYSE_INTERVIEW, inputs=inputs, untrusted=untrusted)
    output, dropped = without_protected_topics(result.data)
    return output, {**result.provenance(), "dropped": dropped}, ""
