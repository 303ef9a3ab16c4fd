"""AI drafting of a position's screening questions, for the recruiter to review before freezing.

Nothing here writes to the database: `draft_questions(position)` returns the drafted questions
and the script service stores them. A position offered in several languages gets each question in
each of them too, where the drafter can write it; one left out is for the recruiter to write
(recruiting.services.script_problems asks for it). A drafted question about a protected
characteristic, in any language, is rejected (the model is asked again, then the draft fails),
never handed to the recruiter.
"""

from django.utils.translation import gettext as _

from aihm import ai
from aihm.errors import Conflict, DomainError
from recruiting.models import InterviewLanguage
from recruiting.protected import protected_topics

DRAFT_QUESTIONS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["questions"],
    "properties": {
        "questions": {
            "type": "array",
            "minItems": 3,
            "maxItems": 10,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["text", "good_answer", "weight", "max_answer_seconds"],
                "properties": {
                    "text": {"type": "string", "minLength": 10, "maxLength": 500},
                    "good_answer": {"type": "string", "maxLength": 2000},
                    "weight": {"type": "integer", "minimum": 1, "maximum": 5},
                    "max_answer_seconds": {"type": "integer", "minimum": 15, "maximum": 300},
                    "translations": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {code: {"type": "string", "maxLength": 500} for code in InterviewLanguage.values},
                    },
                },
            },
        }
    },
}


class DraftingUnavailable(DomainError):
    """The AI provider could not draft now; the recruiter can try again or write the questions."""

    status_code = 503


# One template set per interview language; {item} is a requirement quoted as the recruiter wrote it.
_TEMPLATES = {
    "fr": {
        "intro": ("Pouvez-vous présenter votre parcours et ce qui vous intéresse dans le poste de {title} ?",
                  "Un parcours résumé clairement, en lien avec le poste, et une motivation précise pour ce rôle."),
        "intro_any": ("Pouvez-vous présenter votre parcours et ce qui vous intéresse dans ce poste ?",
                      "Un parcours résumé clairement, en lien avec le poste, et une motivation précise pour ce rôle."),
        "must": ("Le poste demande : « {item} ». Décrivez une situation concrète qui le montre : votre rôle et le résultat obtenu.",
                 "Un exemple réel et détaillé lié à « {item} », le rôle personnel du candidat, un résultat concret ou chiffré."),
        "skill": ("Comment évaluez-vous votre maîtrise de « {item} » ? Donnez un exemple récent où vous l'avez mise en pratique.",
                  "Un niveau estimé honnêtement et un exemple récent et précis d'utilisation de « {item} »."),
        "years": ("Le poste demande au moins {years}. Quelle expérience de votre parcours est la plus proche de ce poste, et qu'y avez-vous appris ?",
                  "Une expérience pertinente, des responsabilités claires, des enseignements concrets tirés de cette expérience."),
        "problem": ("Parlez-nous d'une difficulté rencontrée dans votre travail et de la façon dont vous l'avez surmontée.",
                    "Un problème décrit précisément, les étapes de la solution, le résultat et ce que le candidat en retient."),
        "teamwork": ("Comment organisez-vous votre travail avec vos collègues pour atteindre les objectifs de l'équipe ?",
                     "Des exemples de coopération, de communication et d'organisation du travail."),
        "achievement": ("Quelle réalisation professionnelle vous rend le plus fier, et quelle a été votre contribution ?",
                        "Une réalisation précise, la contribution personnelle du candidat et son impact mesurable."),
        "start": ("À partir de quand pourriez-vous prendre ce poste ?",
                  "Une date claire et réaliste."),
    },
    "en": {
        "intro": ("Could you walk us through your background and what interests you in the {title} role?",
                  "A clear summary of a background relevant to the role, and a specific motivation for it."),
        "intro_any": ("Could you walk us through your background and what interests you in this role?",
                      "A clear summary of a background relevant to the role, and a specific motivation for it."),
        "must": ("The role requires “{item}”. Describe a concrete situation that shows it: your own role and the result.",
                 "A real, detailed example related to “{item}”, the candidate's own role, a concrete or measurable result."),
        "skill": ("How would you rate your command of “{item}”? Give a recent example where you put it into practice.",
                  "An honest self-assessment and a recent, specific example of using “{item}”."),
        "years": ("The role asks for at least {years}. Which experience in your career is closest to this role, and what did you learn from it?",
                  "A relevant experience, clear responsibilities, concrete lessons drawn from it."),
        "problem": ("Tell us about a difficulty you faced at work and how you overcame it.",
                    "A precisely described problem, the steps of the solution, the outcome and what the candidate learned."),
        "teamwork": ("How do you organise your work with colleagues to reach the team's goals?",
                     "Examples of cooperation, communication and organisation of work."),
        "achievement": ("Which professional achievement are you most proud of, and what was your contribution?",
                        "A specific achievement, the candidate's personal contribution and its measurable impact."),
        "start": ("When could you start in this role?",
                  "A clear and realistic date."),
    },
    "ar": {
        "intro": ("هل يمكنك أن تعرّفنا بمسارك المهني وبما يجذبك إلى منصب «{title}»؟",
                  "مسار مهني ملخّص بوضوح وله صلة بالمنصب، ودوافع محددة لهذا الدور."),
        "intro_any": ("هل يمكنك أن تعرّفنا بمسارك المهني وبما يجذبك إلى هذا المنصب؟",
                      "مسار مهني ملخّص بوضوح وله صلة بالمنصب، ودوافع محددة لهذا الدور."),
        "must": ("يتطلب هذا المنصب: «{item}». صف لنا موقفاً ملموساً يبيّن ذلك، مع دورك فيه والنتيجة التي حققتها.",
                 "مثال حقيقي ومفصّل يتعلق بـ«{item}»، ودور شخصي واضح، ونتيجة ملموسة أو قابلة للقياس."),
        "skill": ("كيف تقيّم تمكّنك من «{item}»؟ أعطنا مثالاً حديثاً طبّقته فيه.",
                  "تقييم صادق للمستوى، ومثال حديث ودقيق على استعمال «{item}»."),
        "years": ("يتطلب هذا المنصب {years} على الأقل. ما هي التجربة في مسارك الأقرب إلى هذا المنصب، وماذا تعلمت منها؟",
                  "تجربة ذات صلة، ومسؤوليات واضحة، ودروس ملموسة مستخلصة منها."),
        "problem": ("حدّثنا عن صعوبة واجهتها في عملك وكيف تغلّبت عليها.",
                    "وصف دقيق للمشكلة، وخطوات الحل، والنتيجة، وما استفاده المترشح منها."),
        "teamwork": ("كيف تنظّم عملك مع زملائك لتحقيق أهداف الفريق؟",
                     "أمثلة على التعاون والتواصل وتنظيم العمل."),
        "achievement": ("ما هو الإنجاز المهني الذي تفتخر به أكثر، وما كانت مساهمتك فيه؟",
                        "إنجاز محدد، ومساهمة شخصية واضحة، وأثر قابل للقياس."),
        "start": ("متى يمكنك الالتحاق بهذا المنصب؟",
                  "تاريخ واضح وواقعي."),
    },
}


def _years_phrase(years, language):
    if language == "en":
        return "1 year of experience" if years == 1 else f"{years} years of experience"
    if language == "ar":
        if years == 1:
            return "سنة واحدة من الخبرة"
        if years == 2:
            return "سنتين من الخبرة"
        return f"{years} سنوات من الخبرة" if 3 <= years <= 10 else f"{years} سنة من الخبرة"
    return "1 an d'expérience" if years == 1 else f"{years} ans d'expérience"


def _from_template(language, key, values):
    """(text, good answer) of one template in one language; `years` is a number of years."""
    if "years" in values:
        values = {**values, "years": _years_phrase(values["years"], language)}
    text, good_answer = _TEMPLATES[language][key]
    return text.format(**values)[:500], good_answer.format(**values)[:2000]


def draft_offline(inputs, untrusted):
    """5 to 7 questions from the title, must-haves, skills and years, in the interview language,
    each also in the other call languages that have templates (`translations`).

    Order: background, up to two must-haves (weight 5), skills not already asked (weight 3) up to
    three topic questions, years of experience, a problem solved, general questions (teamwork, an
    achievement) while there are fewer than four, then when they could start.
    Requirements naming a protected characteristic are never turned into questions.
    """
    language = inputs.get("language") if inputs.get("language") in _TEMPLATES else "fr"
    others = [code for code in inputs.get("other_languages") or [] if code in _TEMPLATES and code != language]

    def question(key, weight, seconds, **values):
        text, good_answer = _from_template(language, key, values)
        drafted = {"text": text, "good_answer": good_answer, "weight": weight, "max_answer_seconds": seconds}
        if others:
            drafted["translations"] = {code: _from_template(code, key, values)[0] for code in others}
        return drafted

    def usable(items):
        return [item for item in items or [] if item.strip() and not protected_topics(item)]

    title = " ".join((inputs.get("title") or "").split())
    if title and not protected_topics(title):
        questions = [question("intro", 2, 120, title=title)]
    else:
        questions = [question("intro_any", 2, 120)]
    must_haves = usable(inputs.get("must_haves"))[:2]
    asked = {item.lower() for item in must_haves}
    questions += [question("must", 5, 120, item=item) for item in must_haves]
    skills = [item for item in usable(inputs.get("skills")) + usable(inputs.get("nice_to_haves")) if item.lower() not in asked]
    questions += [question("skill", 3, 90, item=item) for item in skills[: max(0, 3 - len(must_haves))]]
    years = inputs.get("min_years_experience")
    if years:
        questions.append(question("years", 3, 120, years=years))
    questions.append(question("problem", 3, 120))
    for general in ("teamwork", "achievement"):
        if len(questions) < 4:
            questions.append(question(general, 2, 90))
    questions.append(question("start", 1, 30))
    return {"questions": questions[:7]}


def check_draft(output, inputs, untrusted):
    """A drafted question about a protected characteristic is refused: the model must redo it."""
    for number, drafted in enumerate(output["questions"], start=1):
        if protected_topics("\n".join([drafted["text"], *(drafted.get("translations") or {}).values()])):
            raise ValueError(f"question {number} touches a protected characteristic")


DRAFT_QUESTIONS = ai.AITask(
    name="draft_questions",
    prompt="recruiting/draft_questions.v2",
    schema=DRAFT_QUESTIONS_SCHEMA,
    offline=draft_offline,
    check=check_draft,
    max_tokens=4096,  # room for each question in up to three languages
)


def draft_questions(position):
    """Drafted questions for a position, as dicts (text, good_answer, weight, max_answer_seconds,
    and `translations` {language: text} when the position offers other languages: those the
    drafter wrote, stripped; a missing one is for the recruiter to write).

    Raises DraftingUnavailable (503) when the provider is down and Conflict (409) when its answer
    was unusable twice, each with a message the recruiter can read.
    """
    other_languages = list(getattr(position, "other_languages", []))  # any object with a position's fields will do
    inputs = {
        "title": position.title,
        "language": position.language,
        "other_languages": other_languages,
        "must_haves": list(position.must_haves or []),
        "skills": list(position.skills or []),
        "nice_to_haves": list(position.nice_to_haves or []),
        "min_years_experience": position.min_years_experience,
    }
    try:
        result = ai.run(DRAFT_QUESTIONS, inputs=inputs, untrusted={"description": position.description or ""})
    except ai.AIUnavailable as error:
        raise DraftingUnavailable(_("The AI is busy right now: try again in a few minutes, or write the questions yourself.")) from error
    except ai.AIFailed as error:
        raise Conflict(_("The AI could not draft usable questions: write them yourself or try again.")) from error
    return [_drafted_question(drafted, other_languages) for drafted in result.data["questions"]]


def _drafted_question(drafted, other_languages):
    question = {key: drafted[key] for key in ("text", "good_answer", "weight", "max_answer_seconds")}
    if other_languages:
        translations = drafted.get("translations") or {}
        question["translations"] = {
            code: translations[code].strip() for code in other_languages if (translations.get(code) or "").strip()
        }
    return question
