"""Protected characteristics: questions and requirements that must never screen a candidate.

Flagged in French and English (and a few Arabic words); matching is accent- and case-insensitive
on whole words. A flag blocks freezing a script until the recruiter removes or rewrites the question.
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

TOPICS = {
    "age": (_("age"), [
        r"age", r"ages", r"how old", r"quel age", r"votre age", r"date de naissance", r"birth ?date", r"date of birth",
        r"ne en", r"nee en", r"born in", r"born on", r"annee de naissance", r"year of birth", r"moins de \d+ ans",
        r"under \d+", r"younger than", r"plus jeune", r"jeune diplome", r"senior citizen", r"retraite", r"retirement",
        r"عمر", r"سن",
    ]),
    "family": (_("family or marital status"), [
        r"marie", r"mariee", r"married", r"marital", r"situation (?:familiale|matrimoniale)", r"celibataire",
        r"divorce", r"divorced", r"wife", r"husband", r"epoux", r"epouse", r"conjoint", r"spouse",
        r"enfants?", r"children", r"kids?", r"child ?care", r"garde d'enfants?", r"famille", r"family", r"fiance",
        r"متزوج", r"أطفال", r"اطفال",
    ]),
    "pregnancy": (_("pregnancy or maternity"), [
        r"enceinte", r"grossesse", r"pregnan\w*", r"maternite", r"maternity", r"conge maternite", r"paternity",
        r"avoir des enfants", r"have children", r"start a family", r"fonder une famille", r"حامل",
    ]),
    "religion": (_("religion or belief"), [
        r"religion", r"religieux", r"religieuse", r"religious", r"croyant", r"believer", r"pratiquant", r"practising",
        r"pray\w*", r"priere", r"prier", r"ramadan", r"jeune", r"fasting", r"church", r"eglise", r"mosquee", r"mosque",
        r"synagogue", r"musulman", r"muslim", r"chretien", r"christian", r"juif", r"jewish", r"voile", r"veil", r"hijab",
        r"دين", r"صلاة",
    ]),
    "origin": (_("origin, nationality or ethnicity"), [
        r"(?:votre|vos|your) origines?", r"origine ethnique", r"ethni\w*", r"racial", r"race (?:of|de)", r"nationalite",
        r"nationality", r"citizenship", r"d'ou venez", r"where are you from", r"pays de naissance", r"country of birth", r"langue maternelle",
        r"mother tongue", r"native speaker", r"immigr\w*", r"couleur de peau", r"skin colou?r", r"جنسية", r"أصل",
    ]),
    "health": (_("health or disability"), [
        r"(?:votre|ton|son|etat de|problemes? de|soucis de) sante", r"(?:your|health) (?:health|problems?|conditions?|issues?)",
        r"malad\w*", r"illness", r"sick", r"handicap\w*", r"disab\w*", r"medical (?:condition|history|record)s?",
        r"antecedents medicaux", r"medicament\w*", r"medication", r"traitement medical", r"therapie", r"depression",
        r"mental health", r"arret maladie", r"sick leave", r"combien pesez", r"how much do you weigh", r"how tall", r"صحة", r"مرض", r"إعاقة",
    ]),
    "union": (_("union membership or political opinion"), [
        r"syndicat\w*", r"syndiqu\w*", r"union member\w*", r"trade union", r"labou?r union", r"greve",
        r"(?:opinions?|convictions?|partis?|engagements?) politiques?", r"political (?:views?|opinions?|part(?:y|ies)|affiliation)",
        r"pour qui votez", r"who do you vote", r"نقابة",
    ]),
    "gender": (_("gender or sexual orientation"), [
        r"sexe", r"gender", r"genre", r"homme ou femme", r"man or woman", r"male or female", r"orientation sexuelle",
        r"sexual orientation", r"gay", r"lesbian", r"lesbienne", r"homosexu\w*", r"transgender", r"transgenre",
    ]),
    "photo": (_("photo or physical appearance"), [
        r"(?:votre|your|une|a) photo", r"photo d'identite", r"selfie", r"apparence", r"appearance", r"physique agreable",
        r"beaute", r"attractive",
    ]),
}


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("’", "'")


_PATTERNS = {
    topic: re.compile(r"(?<![\w])(?:" + "|".join(words) + r")(?![\w])", re.UNICODE)
    for topic, (_label, words) in TOPICS.items()
}


def protected_topics(text):
    """Topic codes (`age`, `family`, ...) that the text touches, in a stable order."""
    folded = _fold(text)
    return [topic for topic, pattern in _PATTERNS.items() if pattern.search(folded)]


def topic_labels(topics):
    return [str(TOPICS[topic][0]) for topic in topics if topic in TOPICS]
