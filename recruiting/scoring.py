"""CV scoring: the AI task, its offline heuristics, and every state change of a candidate's scoring.

A candidate's scoring moves NO_CV / NO_TEXT / QUEUED -> SCORING -> SCORED or FAILED; a failure is
a state with a readable reason, never a zero score. The AI provider sees the minimised CV text only
(recruiting.minimise) and scores against the position's listed requirements; requirements about
protected characteristics are dropped before scoring and reported as ignored.
"""

import logging
import re
from datetime import timedelta
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from aihm import ai
from aihm.leases import renewing
from aihm.tenancy import bypassing_rls
from recruiting.minimise import fold, minimise_cv_text
from recruiting.models import Candidate, PipelineStatus, ScoringStatus
from recruiting.protected import protected_topics

logger = logging.getLogger("aihm.scoring")

MUST_HAVE, SKILL, NICE_TO_HAVE, EXPERIENCE = "must_have", "skill", "nice_to_have", "experience"
KINDS = (MUST_HAVE, SKILL, NICE_TO_HAVE, EXPERIENCE)
MIN_WORDS = 40
# A claim is renewed every LEASE_RENEWAL while its worker scores (`updated_at` is its sign of
# life); one not renewed for SCORING_LEASE belongs to a dead worker and goes back to the queue at
# the sweeper's next run (every 30 s): lost work is scored again within about a minute and a half.
SCORING_LEASE = timedelta(seconds=60)
LEASE_RENEWAL = timedelta(seconds=15)
STALE_QUEUE = timedelta(minutes=2)
UNAVAILABLE_REASON = "AI provider unavailable after several retries"

SCORE_CV_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "overall_score", "summary", "criteria", "must_haves_met", "must_haves_missing",
        "years_of_experience", "insufficient_text",
    ],
    "properties": {
        # null only with insufficient_text: a CV too thin to judge gets no verdict-like number.
        "overall_score": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
        "summary": {"type": "string", "maxLength": 1200},
        "criteria": {
            "type": "array",
            "maxItems": 100,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["requirement", "kind", "score", "met", "evidence"],
                "properties": {
                    "requirement": {"type": "string", "maxLength": 200},
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "score": {"type": "integer", "minimum": 0, "maximum": 100},
                    "met": {"type": "boolean"},
                    "evidence": {"type": "string", "maxLength": 500},
                },
            },
        },
        "must_haves_met": {"type": "array", "items": {"type": "string", "maxLength": 200}},
        "must_haves_missing": {"type": "array", "items": {"type": "string", "maxLength": 200}},
        "years_of_experience": {"type": ["number", "null"], "minimum": 0, "maximum": 70},
        "insufficient_text": {"type": "boolean"},
    },
}


# --- What the position asks ------------------------------------------------------------------


def experience_requirement(years, language):
    if language == "en":
        return f"At least {years} years of experience" if years != 1 else "At least 1 year of experience"
    return f"Au moins {years} ans d'expérience" if years != 1 else "Au moins 1 an d'expérience"


def scoring_requirements(position):
    """(requirements to score, requirements ignored because they name a protected characteristic).

    A position that lists nothing is scored against its title, so that a score still means something.
    """
    requirements, ignored = [], []
    for kind, items in ((MUST_HAVE, position.must_haves), (SKILL, position.skills), (NICE_TO_HAVE, position.nice_to_haves)):
        for item in items or []:
            text = " ".join(str(item).split())[:200]
            if not text:
                continue
            topics = protected_topics(text)
            if topics:
                ignored.append({"requirement": text, "kind": kind, "topics": topics})
            elif _normal(text) not in {_normal(r["requirement"]) for r in requirements}:
                requirements.append({"requirement": text, "kind": kind})
    if position.min_years_experience is not None:
        text = experience_requirement(position.min_years_experience, position.language)
        requirements.append({"requirement": text, "kind": EXPERIENCE})
    if not requirements and position.title:
        requirements.append({"requirement": position.title[:200], "kind": SKILL})
    return requirements, ignored


def position_inputs(position, requirements):
    """What the prompt and the offline scorer know about the position (no protected sentence)."""
    sentences = re.split(r"(?<=[.!?\n])\s+", position.description or "")
    context = " ".join(s for s in sentences if s.strip() and not protected_topics(s))[:2000]
    return {
        "title": position.title,
        "language": position.language,
        "context": context,
        "requirements": requirements,
        "min_years_experience": position.min_years_experience,
    }


# --- Text helpers ----------------------------------------------------------------------------


def _normal(text):
    """Folded, with one kind of quote and dash and single spaces: how quotes are compared."""
    text = fold(text)
    text = re.sub(r"[‘’`´]", "'", text)
    text = re.sub(r"[“”«»„]", '"', text)
    text = re.sub(r"[‐‑‒–—−]", "-", text)
    return " ".join(text.split())


def quote_in(quote, normal_text):
    """Whether a quote (possibly shortened with '...') appears in the already-normalised text."""
    fragments = [f.strip(" \"'.,;:-•*") for f in re.split(r"\[\.\.\.\]|\.\.\.|…", _normal(quote))]
    fragments = [f for f in fragments if f]
    return bool(fragments) and all(fragment in normal_text for fragment in fragments)


def cv_sentences(text):
    """The CV cut into quotable pieces: lines, then sentences, then chunks of at most 400 characters."""
    pieces = []
    for line in (text or "").split("\n"):
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            sentence = sentence.strip().lstrip("•·*▪►-–— \t").strip()
            while len(sentence) > 400:
                cut = sentence.rfind(" ", 0, 400)
                cut = cut if cut > 100 else 400
                pieces.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if len(sentence) >= 2:
                pieces.append(sentence)
    return pieces


def word_count(text):
    return len(re.findall(r"\w{2,}", text or ""))


# --- Offline scoring: keyword and synonym matching -------------------------------------------

# Groups of equivalent terms, folded (no accents, lower case). A requirement that names one of
# them matches any of them in the CV.
SYNONYMS = [
    ["javascript", "js", "ecmascript"],
    ["typescript", "ts"],
    ["postgresql", "postgres", "psql"],
    ["kubernetes", "k8s"],
    ["machine learning", "ml", "apprentissage automatique"],
    ["intelligence artificielle", "artificial intelligence", "ia", "ai"],
    ["project management", "gestion de projet", "gestion de projets", "gestion des projets", "pilotage de projet",
     "pilotage de projets", "chef de projet", "project manager"],
    ["node.js", "nodejs", "node"],
    ["react", "reactjs", "react.js"],
    ["vue", "vuejs", "vue.js"],
    ["amazon web services", "aws"],
    ["google cloud", "gcp", "google cloud platform"],
    ["microsoft azure", "azure"],
    ["ci/cd", "ci", "cd", "continuous integration", "integration continue", "deploiement continu", "continuous delivery"],
    ["rest api", "api rest", "restful", "api restful"],
    ["power bi", "powerbi"],
    ["excel", "microsoft excel", "ms excel"],
    ["sql", "mysql", "sql server", "postgresql", "postgres", "t-sql", "pl/sql", "oracle", "sqlite"],
    ["customer service", "service client", "relation client", "relation clientele", "service clientele", "customer care",
     "customer support", "support client", "customer relations"],
    ["call center", "call centre", "centre d'appels", "centre d'appel", "centre de contact", "contact center", "contact centre",
     "plateau d'appels", "plateau telephonique"],
    ["team management", "management d'equipe", "gestion d'equipe", "gestion d'equipes", "encadrement", "team leadership",
     "people management", "manager une equipe", "encadrer une equipe", "team lead", "chef d'equipe"],
    ["accounting", "comptabilite", "comptable", "accountant", "comptabilite generale", "general accounting"],
    ["tax", "fiscalite", "taxation", "fiscal"],
    ["payroll", "paie", "gestion de la paie"],
    ["sales", "vente", "ventes", "commercial", "commerciale", "business development", "developpement commercial"],
    ["negotiation", "negociation", "negocier", "negotiate"],
    ["prospecting", "prospection", "lead generation", "generation de leads"],
    ["english", "anglais"],
    ["french", "francais"],
    ["arabic", "arabe"],
    ["spanish", "espagnol"],
    ["data analysis", "analyse de donnees", "data analytics", "analyse des donnees", "analyste de donnees", "data analyst"],
    ["data visualisation", "data visualization", "dataviz", "visualisation de donnees", "visualisation des donnees"],
    ["statistics", "statistiques", "statistical", "statistique"],
    ["reporting", "tableaux de bord", "tableau de bord", "dashboards", "dashboard"],
    ["key performance indicators", "kpi", "kpis", "indicateurs de performance", "indicateurs cles"],
    ["crm", "customer relationship management", "gestion de la relation client"],
    ["audit", "auditing", "audit interne", "internal audit"],
    ["financial statements", "etats financiers", "bilan", "bilans", "liasse fiscale"],
    ["budget", "budgets", "budgeting", "budgetaire", "controle de gestion", "management control"],
    ["recruitment", "recrutement", "recruiting", "talent acquisition"],
    ["training", "formation", "coaching"],
    ["quality", "qualite", "quality assurance", "assurance qualite"],
    ["testing", "tests", "unit tests", "tests unitaires", "pytest", "test automation", "automatisation des tests"],
    ["linux", "unix"],
    ["git", "github", "gitlab"],
    ["docker", "containers", "conteneurs"],
    ["python", "python3"],
    ["c#", "csharp", "c sharp"],
    [".net", "dotnet", "asp.net"],
    ["etl", "data pipelines", "pipelines de donnees"],
    ["telephony", "telephonie", "voip"],
    ["driving licence", "driving license", "permis b", "permis de conduire"],
]

_FILLER = set(
    """a an and or the of in on for with to at by as is are be from into our your their its this that these those
    de du des la le les l d un une et ou en au aux a pour par avec sur dans sous chez vers ce cet cette ces son sa ses
    bon bonne bons bonnes tres very good strong solid solide solides excellent excellente excellentes great proven
    maitrise maitriser mastery knowledge connaissance connaissances notions notion bases base understanding ability
    capacite capacites aptitude aptitudes skill skills competence competences experience experiences experienced
    experimente experimentee professional professionnel professionnelle courant courante fluent fluency level niveau
    advanced avance avancee confirme confirmee minimum least moins plus than more over years year ans an annee annees
    required requis requise souhaite souhaitee appreciated apprecie appreciee preferred preferably idealement ideally
    etre avoir being having must should savoir working work travail using use utilisation""".split()
)
_SHORT_TERMS = set(
    "c r go qa ux ui bi hr rh js ts ml ia ai ci cd b2b b2c erp sap php sql aws gcp crm seo sem kpi etl api".split()
)

_SYNONYM_INDEX = {}
for _group in SYNONYMS:
    for _term in _group:
        _SYNONYM_INDEX.setdefault(_term, set(_group))  # the first group wins: "sql" accepts "postgresql", not the reverse
_KNOWN_TERMS = sorted(_SYNONYM_INDEX, key=len, reverse=True)
_PATTERN_CACHE = {}


def _term_pattern(term, stem=False):
    """Whole-word, accent- and case-insensitive (on folded text) pattern of one term."""
    key = (term, stem)
    if key not in _PATTERN_CACHE:
        body = r"[\s\-_/]+".join(re.escape(part) for part in term.split())
        if stem:
            body += r"\w*"
        elif term[-1].isalpha() and len(term) >= 4:
            body += r"(?:s|es|x)?"
        apostrophe = r"(?!['])" if len(term) == 1 else ""  # "c'est" is not the C language
        _PATTERN_CACHE[key] = re.compile(rf"(?<![\w+#.]){body}(?![\w+#]){apostrophe}")
    return _PATTERN_CACHE[key]


@lru_cache(maxsize=1024)
def requirement_concepts(requirement):
    """The things a requirement asks for, each as a list of patterns any of which satisfies it.

    "Maîtrise d'Excel et de Power BI" -> [excel|microsoft excel|..., power bi|powerbi]. Known terms
    and their synonyms come first; the remaining meaningful words each count as one concept
    (words of 7+ letters also match their derived forms: "autonomie" ~ "autonome").
    """
    text = " " + re.sub(r"\d+\s*\+?\s*(?:ans|annees|years?|yrs)\b", " ", _normal(requirement)) + " "
    concepts = []
    whole = text.strip(" .;:!")
    if whole in _SYNONYM_INDEX:
        return [[_term_pattern(t) for t in sorted(_SYNONYM_INDEX[whole])]]
    for term in _KNOWN_TERMS:
        pattern = _term_pattern(term)
        if pattern.search(text):
            concepts.append([_term_pattern(t) for t in sorted(_SYNONYM_INDEX[term])])
            text = pattern.sub(" ", text)
    for word in re.findall(r"[\w+#.]+", text):
        word = word.strip(".")
        if not word or word in _FILLER or word.isdigit():
            continue
        if len(word) < 3 and word not in _SHORT_TERMS:
            continue
        if len(word) >= 7 and word.isalpha():
            concepts.append([_term_pattern(word[: max(6, len(word) - 3)], stem=True)])
        else:
            concepts.append([_term_pattern(word)])
    return concepts


def _sentences_matching(patterns, folded_sentences):
    return {i for i, sentence in enumerate(folded_sentences) if sentence and any(p.search(sentence) for p in patterns)}


def _best_evidence(matches, folded_sentences):
    """The sentence that shows most of the requirement's concepts; among equals, one of six words
    or more (a described achievement rather than a list of skills), then the first."""
    counts = {}
    for found in matches:
        for index in found:
            counts[index] = counts.get(index, 0) + 1
    if not counts:
        return None
    return min(counts, key=lambda i: (-counts[i], len(folded_sentences[i].split()) < 6, i))


def _is_heading(folded_line):
    heading = folded_line.strip(" :.-•")
    return len(heading.split()) <= 4 and any(pattern.match(heading) for pattern in _HEADINGS.values())


_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1, "fevrier": 2, "fevr": 2, "fev": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "mar": 3, "avril": 4, "avr": 4, "april": 4, "apr": 4, "mai": 5, "may": 5, "juin": 6,
    "june": 6, "jun": 6, "juillet": 7, "juil": 7, "july": 7, "jul": 7, "aout": 8, "august": 8, "aug": 8,
    "septembre": 9, "sept": 9, "september": 9, "sep": 9, "octobre": 10, "october": 10, "oct": 10, "novembre": 11,
    "november": 11, "nov": 11, "decembre": 12, "december": 12, "dec": 12,
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))


def _date_pattern(prefix):
    """A date in a CV: "2016", "09/2016", "sept. 2016"; named groups <prefix>m, <prefix>n, <prefix>y."""
    return rf"(?:(?:(?P<{prefix}m>{_MONTH})\.?\s+|(?P<{prefix}n>\d{{1,2}})\s*[/.\-]\s*)?(?P<{prefix}y>(?:19|20)\d{{2}}))"


_NOW_WORDS = r"aujourd'hui|present|actuel|actuellement|maintenant|now|current|currently|today|ce jour|en cours|a ce jour|to date"
_RANGE = re.compile(
    r"(?<!\d)" + _date_pattern("s") + r"\s*(?:-|à|a|au|to|until|till|jusqu'a|jusqu'en|->|→)\s*"
    + r"(?:" + _date_pattern("e") + r"|(?P<now>" + _NOW_WORDS + r"))(?!\d)"
)
_SINCE = re.compile(
    r"(?:depuis|since|des)\s+(?:(?P<sm>" + _MONTH + r")\.?\s+|(?P<sn>\d{1,2})\s*[/.]\s*)?(?P<sy>(?:19|20)\d{2})(?!\d)"
)
_EXPLICIT_YEARS = [
    # "8 ans d'expérience", "5+ years of (professional) experience", "10 years' experience"
    re.compile(
        r"(?<![\d.,])(\d{1,2})(?:[.,]5)?\s*\+?\s*(?:ans?|annees?|years?|yrs)'?\s+"
        r"(?:\w+\s+){0,2}?(?:d'|de\s+|of\s+)?(?:experience|exp\.)"
    ),
    # "expérience de plus de 12 ans", "experience of over 5 years"
    re.compile(
        r"experience\s+(?:\w+\s+){0,2}?(?:de|of)\s+(?:plus\s+de\s+|over\s+|more\s+than\s+)?"
        r"(\d{1,2})\s*\+?\s*(?:ans?|annees?|years?)"
    ),
]
_EDUCATION_WORDS = re.compile(
    r"(?<!\w)(?:licence|master|masters|bac|baccalaureat|diplome|diplomee|universite|university|degree|bachelor|bts|"
    r"dut|lycee|faculte|mba|doctorat|phd|msc|bsc)(?!\w)"
)
_HEADINGS = {
    "education": re.compile(
        r"^(?:formations?|education|etudes|diplomes?|cursus|scolarite|academic background|qualifications|"
        r"formation academique|parcours academique)$"
    ),
    "experience": re.compile(
        r"^(?:experiences?(?: professionnelles?)?|parcours professionnel|professional experience|work experience|"
        r"employment(?: history)?|career|carriere|work history|experience)$"
    ),
    "other": re.compile(
        r"^(?:competences?(?: \w+)?|skills|technical skills|langues|languages|centres? d'interets?|interests|loisirs|hobbies|"
        r"projets?(?: personnels)?|projects|references|profil|profile|summary|resume|certifications?|contact|atouts|"
        r"informations? personnelles|personal details|objectif|objective)$"
    ),
}


def _month_index(year, month_name, month_number, default):
    if month_name:
        month = _MONTHS[month_name]
    elif month_number and 1 <= int(month_number) <= 12:
        month = int(month_number)
    else:
        month = default
    return int(year) * 12 + month - 1


_NUMBER_WORDS = {
    "un": 1, "une": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3, "quatre": 4, "four": 4, "cinq": 5,
    "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8, "neuf": 9, "nine": 9, "dix": 10, "ten": 10,
    "onze": 11, "eleven": 11, "douze": 12, "twelve": 12, "quinze": 15, "fifteen": 15, "vingt": 20, "twenty": 20,
}
_NUMBER_WORD = re.compile(r"(?<!\w)(" + "|".join(_NUMBER_WORDS) + r")(?=\s+(?:ans?|annees?|years?)(?!\w))")


def _digits_for_words(folded_text):
    """"deux ans" -> "2 ans", so that spelled-out durations count too."""
    return _NUMBER_WORD.sub(lambda match: str(_NUMBER_WORDS[match.group(1)]), folded_text)


def years_of_experience(text, today=None):
    """(years, the CV sentence it comes from) from an explicit statement ("8 ans d'expérience",
    "5+ years of experience") or, failing that, from the date ranges of the work-experience
    section, overlaps merged; (None, "") when the CV says neither."""
    today = today or timezone.now().date()
    sentences = cv_sentences(text)
    folded = [_normal(s) for s in sentences]
    explicit = []
    for sentence, folded_sentence in zip(sentences, folded):
        for pattern in _EXPLICIT_YEARS:
            for match in pattern.finditer(_digits_for_words(folded_sentence)):
                value = int(match.group(1))
                if 0 < value <= 50:
                    explicit.append((value, sentence))
    if explicit:
        value, sentence = max(explicit, key=lambda item: item[0])
        return float(value), sentence

    now_index = today.year * 12 + today.month - 1
    lines = [line.strip() for line in (text or "").split("\n")]
    has_experience_heading = any(_HEADINGS["experience"].match(_normal(line).strip(" :.-•")) for line in lines)
    section, intervals, evidence = None, [], ""
    for line in lines:
        folded_line = _normal(line)
        heading = folded_line.strip(" :.-•")
        if len(heading.split()) <= 4:
            kind = next((name for name, pattern in _HEADINGS.items() if pattern.match(heading)), None)
            if kind:
                section = kind
                continue
        if has_experience_heading:
            if section != "experience":
                continue
        elif section == "education" or _EDUCATION_WORDS.search(folded_line):
            continue
        for match in _RANGE.finditer(folded_line):
            start = _month_index(match["sy"], match["sm"], match["sn"], 7 if not match["sn"] and not match["sm"] else 1)
            if match["now"]:
                end = now_index
            else:
                end = _month_index(match["ey"], match["em"], match["en"], 7 if not match["en"] and not match["em"] else 1)
                end += 1 if (match["em"] or match["en"]) else 0
            end = min(end, now_index)
            if match["ey"] == match["sy"] and not (match["em"] or match["en"] or match["sm"] or match["sn"]):
                end = start + 6  # "2019 - 2019": some months inside one year
            if start < end:
                intervals.append((start, end))
                evidence = evidence or _sentence_containing(sentences, folded, match.group(0))
        for match in _SINCE.finditer(folded_line):
            start = _month_index(match["sy"], match["sm"], match["sn"], 1)
            if start < now_index:
                intervals.append((start, now_index))
                evidence = evidence or _sentence_containing(sentences, folded, match.group(0))
    if not intervals:
        return None, ""
    intervals.sort()
    total, (current_start, current_end) = 0, intervals[0]
    for start, end in intervals[1:]:
        if start <= current_end:
            current_end = max(current_end, end)
        else:
            total += current_end - current_start
            current_start, current_end = start, end
    total += current_end - current_start
    return round(total / 12 * 2) / 2, evidence


def _sentence_containing(sentences, folded, fragment):
    return next((sentence for sentence, folded_sentence in zip(sentences, folded) if fragment in folded_sentence), "")


_YEARS_IN_REQUIREMENT = re.compile(r"(\d{1,2})\s*\+?\s*(?:ans|annees|years?|yrs)\b")

# Weights of the overall score (offline): must-haves 50, skills 25, experience 15, nice-to-haves 10;
# a group the position does not use gives its weight to the others in proportion.
WEIGHTS = {MUST_HAVE: 50, SKILL: 25, EXPERIENCE: 15, NICE_TO_HAVE: 10}
MISSING_MUST_HAVE_CAP = 50

_SUMMARY = {
    "en": {
        "intro": "Offline scoring (keyword matching, no AI model).",
        "must": "Must-haves: {met} of {total} met",
        "missing": "; missing: {items}",
        "skills": "Skills: {found} of {total} found.",
        "nice": "Nice-to-haves: {found} of {total} found.",
        "years": "Experience: about {years} years ({required} required).",
        "years_free": "Experience: about {years} years.",
        "years_unknown": "Experience: not stated in the CV ({required} required).",
        "overall": "Overall score {score}/100.",
        "capped": "A must-have is missing, so the score is capped at {cap}.",
        "insufficient": (
            "The CV text is too short to assess ({words} words): no score is given. "
            "Check the file or ask the candidate for a fuller CV."
        ),
    },
    "fr": {
        "intro": "Évaluation hors ligne (recherche de mots-clés, sans modèle d'IA).",
        "must": "Critères indispensables : {met} sur {total} remplis",
        "missing": " ; manquants : {items}",
        "skills": "Compétences : {found} sur {total} trouvées.",
        "nice": "Atouts : {found} sur {total} trouvés.",
        "years": "Expérience : environ {years} ans ({required} demandés).",
        "years_free": "Expérience : environ {years} ans.",
        "years_unknown": "Expérience : non indiquée dans le CV ({required} demandés).",
        "overall": "Score global {score}/100.",
        "capped": "Un critère indispensable manque : le score est plafonné à {cap}.",
        "insufficient": (
            "Le texte du CV est trop court pour être évalué ({words} mots) : aucun score n'est donné. "
            "Vérifiez le fichier ou demandez un CV plus complet."
        ),
    },
}


def _years_label(years):
    return str(int(years)) if years == int(years) else f"{years:.1f}"


def score_offline(inputs, untrusted):
    """Deterministic, no network: honest keyword heuristics, labelled "offline scoring" in the UI.

    Each requirement is split into concepts (see requirement_concepts); its score is the share of
    concepts found in the CV (whole words, accents and case ignored, synonyms accepted), and it is
    met when at least two thirds are found (a requirement naming "N years" is not met by a CV
    showing fewer). Evidence is the first CV sentence where a concept appears. Experience scores
    years found / years required. Overall: WEIGHTS by group, capped at MISSING_MUST_HAVE_CAP when a
    must-have is missing. Under MIN_WORDS words: insufficient_text and no score.
    """
    text = untrusted.get("cv", "")
    strings = _SUMMARY["en" if inputs.get("language") == "en" else "fr"]
    requirements = inputs["requirements"]
    words = word_count(text)
    if words < MIN_WORDS:
        return {
            "overall_score": None, "summary": strings["insufficient"].format(words=words), "criteria": [],
            "must_haves_met": [], "must_haves_missing": [], "years_of_experience": None, "insufficient_text": True,
        }
    sentences = cv_sentences(text)
    folded = ["" if _is_heading(folded_sentence) else folded_sentence for folded_sentence in map(_normal, sentences)]
    years, years_evidence = years_of_experience(text)
    criteria = []
    for requirement in requirements:
        kind, label = requirement["kind"], requirement["requirement"]
        if kind == EXPERIENCE:
            required = inputs.get("min_years_experience") or 0
            if years is None:
                score, met = (100, True) if required == 0 else (0, False)
            else:
                score = 100 if required == 0 else min(100, round(100 * years / required))
                met = years >= required
            criteria.append({"requirement": label, "kind": kind, "score": score, "met": met, "evidence": years_evidence[:500]})
            continue
        concepts = requirement_concepts(label)
        matches = [_sentences_matching(patterns, folded) for patterns in concepts]
        share = sum(1 for found in matches if found) / len(concepts) if concepts else 0
        score, met = round(100 * share), bool(concepts) and share >= 2 / 3 - 1e-9
        needed = _YEARS_IN_REQUIREMENT.search(_normal(label))
        if needed and years is not None and years < int(needed.group(1)):
            met, score = False, min(score, round(100 * years / int(needed.group(1))))
        best = _best_evidence(matches, folded)
        evidence = sentences[best][:500] if best is not None else ""
        criteria.append({"requirement": label, "kind": kind, "score": score, "met": met, "evidence": evidence})

    groups = {}
    for criterion in criteria:
        groups.setdefault(criterion["kind"], []).append(criterion["score"])
    total_weight = sum(WEIGHTS[kind] for kind in groups)
    weighted = sum(WEIGHTS[kind] * sum(scores) / len(scores) for kind, scores in groups.items())
    overall = round(weighted / total_weight) if groups else 0
    must = [c for c in criteria if c["kind"] == MUST_HAVE]
    missing = [c["requirement"] for c in must if not c["met"]]
    capped = bool(missing) and overall > MISSING_MUST_HAVE_CAP
    if capped:
        overall = MISSING_MUST_HAVE_CAP

    parts = [strings["intro"]]
    if must:
        line = strings["must"].format(met=len(must) - len(missing), total=len(must))
        parts.append(line + (strings["missing"].format(items=", ".join(missing)) if missing else "") + ".")
    for kind, key in ((SKILL, "skills"), (NICE_TO_HAVE, "nice")):
        of_kind = [c for c in criteria if c["kind"] == kind]
        if of_kind:
            parts.append(strings[key].format(found=sum(c["met"] for c in of_kind), total=len(of_kind)))
    required = inputs.get("min_years_experience")
    if years is not None:
        key = "years" if required is not None else "years_free"
        parts.append(strings[key].format(years=_years_label(years), required=required))
    elif required is not None:
        parts.append(strings["years_unknown"].format(required=required))
    parts.append(strings["overall"].format(score=overall))
    if capped:
        parts.append(strings["capped"].format(cap=MISSING_MUST_HAVE_CAP))
    return {
        "overall_score": overall,
        "summary": " ".join(parts)[:1200],
        "criteria": criteria,
        "must_haves_met": [c["requirement"] for c in must if c["met"]],
        "must_haves_missing": missing,
        "years_of_experience": years,
        "insufficient_text": False,
    }


def check_score(output, inputs, untrusted):
    """Reject what the schema cannot: criteria for requirements nobody asked, quotes that are not in
    the CV, must-haves that do not add up. A ValueError makes the model answer again."""
    asked = {(_normal(r["requirement"]), r["kind"]) for r in inputs["requirements"]}
    cv_text = _normal(untrusted.get("cv", ""))
    seen = set()
    for number, criterion in enumerate(output["criteria"], start=1):
        key = (_normal(criterion["requirement"]), criterion["kind"])
        if key not in asked:
            raise ValueError(f"criterion {number} is not one of the requirements asked")
        if key in seen:
            raise ValueError(f"criterion {number} repeats a requirement")
        seen.add(key)
        if not 0 <= criterion["score"] <= 100:
            raise ValueError(f"criterion {number} has a score outside 0-100")
        if criterion["evidence"].strip() and not quote_in(criterion["evidence"], cv_text):
            raise ValueError(f"the evidence of criterion {number} is not quoted from the CV")
    if output["overall_score"] is not None and not 0 <= output["overall_score"] <= 100:
        raise ValueError("the overall score is outside 0-100")
    if output["insufficient_text"]:
        return
    if output["overall_score"] is None:
        raise ValueError("no overall score although the text was not declared insufficient")
    if asked - seen:
        raise ValueError(f"{len(asked - seen)} requirement(s) have no criterion")
    must_haves = {_normal(r["requirement"]) for r in inputs["requirements"] if r["kind"] == MUST_HAVE}
    met = {_normal(item) for item in output["must_haves_met"]}
    missing = {_normal(item) for item in output["must_haves_missing"]}
    if met & missing or met | missing != must_haves:
        raise ValueError("must_haves_met and must_haves_missing do not split the must-haves asked")
    for criterion in output["criteria"]:
        if criterion["kind"] == MUST_HAVE and criterion["met"] != (_normal(criterion["requirement"]) in met):
            raise ValueError("a must-have criterion disagrees with must_haves_met")


SCORE_CV = ai.AITask(
    name="score_cv",
    prompt="recruiting/score_cv.v1",
    schema=SCORE_CV_SCHEMA,
    offline=score_offline,
    check=check_score,
    max_tokens=4096,
)


# --- State changes ---------------------------------------------------------------------------


def queue_scoring(candidate, *, by=None):
    """(Re)start the scoring of a candidate's CV: QUEUED when there is text to score, NO_CV or
    NO_TEXT otherwise; the task runs once the surrounding transaction commits."""
    from recruiting.services import ensure_can_write
    from recruiting.tasks import score_cv_task

    if by is not None:
        ensure_can_write(by)
    if candidate.cv_text.strip():
        status = ScoringStatus.QUEUED
    elif candidate.cv_file:
        status = ScoringStatus.NO_TEXT
    else:
        status = ScoringStatus.NO_CV
    candidate.scoring_status = status
    candidate.scoring_error = ""
    candidate.scoring_claimed_at = None
    candidate.cv_score = None
    candidate.cv_score_details = {}
    candidate.scored_at = None
    with transaction.atomic():
        candidate.save(update_fields=[
            "scoring_status", "scoring_error", "scoring_claimed_at", "cv_score", "cv_score_details", "scored_at", "updated_at",
        ])
        if by is not None:
            from accounts.services import audit

            audit(by, "candidate.scoring_requested", candidate)
    if status == ScoringStatus.QUEUED:
        score_cv_task.delay_on_commit(str(candidate.tenant_id), str(candidate.pk))
    return candidate


def score_cv(candidate_id):
    """Score a queued candidate's CV. Claims the work first (QUEUED -> SCORING), so a second run
    does nothing; calls the provider outside any transaction; stores the result only if the claim
    still holds. AIUnavailable puts the candidate back in the queue and propagates (the task
    retries); any other failure leaves FAILED with a reason."""
    claimed_at = timezone.now()
    claimed = Candidate.objects.filter(pk=candidate_id, scoring_status=ScoringStatus.QUEUED).update(
        scoring_status=ScoringStatus.SCORING, scoring_claimed_at=claimed_at, updated_at=claimed_at
    )
    if not claimed:
        return None
    holding = Candidate.objects.filter(pk=candidate_id, scoring_status=ScoringStatus.SCORING, scoring_claimed_at=claimed_at)
    try:
        candidate = Candidate.objects.select_related("position").get(pk=candidate_id)
        if not candidate.cv_text.strip():
            holding.update(scoring_status=ScoringStatus.NO_TEXT if candidate.cv_file else ScoringStatus.NO_CV,
                           scoring_claimed_at=None, updated_at=timezone.now())
            return None
        requirements, ignored = scoring_requirements(candidate.position)
        cv_text = minimise_cv_text(candidate.cv_text, full_name=candidate.full_name, email=candidate.email, phone=candidate.phone)
        with renewing(lambda: renew_scoring_lease(candidate_id, claimed_at), every_seconds=LEASE_RENEWAL.total_seconds()):
            result = ai.run(SCORE_CV, inputs=position_inputs(candidate.position, requirements), untrusted={"cv": cv_text})
    except ai.AIUnavailable:
        holding.update(scoring_status=ScoringStatus.QUEUED, scoring_claimed_at=None, updated_at=timezone.now())
        raise
    except ai.AIFailed as error:
        holding.update(
            scoring_status=ScoringStatus.FAILED, scoring_error=str(error)[:500], scoring_claimed_at=None, updated_at=timezone.now()
        )
        return None
    except Exception:
        logger.exception("CV scoring crashed for candidate %s", candidate_id)
        holding.update(scoring_status=ScoringStatus.FAILED, scoring_error="An unexpected error stopped the scoring; try again.",
                       scoring_claimed_at=None, updated_at=timezone.now())
        raise

    data = result.data
    insufficient = data["insufficient_text"]
    details = {
        "summary": data["summary"],
        "criteria": data["criteria"],
        "must_haves_met": data["must_haves_met"],
        "must_haves_missing": data["must_haves_missing"],
        "years_of_experience": data["years_of_experience"],
        "insufficient_text": insufficient,
        "ignored_requirements": ignored,
        **result.provenance(),
    }
    now = timezone.now()
    with transaction.atomic():
        stored = holding.update(
            scoring_status=ScoringStatus.SCORED, cv_score=None if insufficient else data["overall_score"],
            cv_score_details=details, scored_at=now, scoring_error="", scoring_claimed_at=None, updated_at=now,
        )
        if stored:
            Candidate.objects.filter(pk=candidate_id, status=PipelineStatus.NEW).update(
                status=PipelineStatus.CV_SCORED, updated_at=now
            )
    return result if stored else None


def renew_scoring_lease(candidate_id, claimed_at):
    """The worker holding this claim is alive: push its lease back. False once the claim is gone."""
    return bool(Candidate.objects.filter(
        pk=candidate_id, scoring_status=ScoringStatus.SCORING, scoring_claimed_at=claimed_at,
    ).update(updated_at=timezone.now()))


def fail_scoring(candidate_id, reason):
    """Give up on a queued scoring with a reason a recruiter can read (retries ran out)."""
    return Candidate.objects.filter(pk=candidate_id, scoring_status=ScoringStatus.QUEUED).update(
        scoring_status=ScoringStatus.FAILED, scoring_error=str(reason)[:500], scoring_claimed_at=None, updated_at=timezone.now()
    )


def requeue_stale_scoring():
    """Across tenants: claims not renewed for SCORING_LEASE go back to the queue (a killed
    worker), and every candidate queued for longer than STALE_QUEUE is sent to the workers again
    (a lost message). Returns how many were re-sent."""
    from recruiting.tasks import score_cv_task

    now = timezone.now()
    candidates = bypassing_rls(Candidate)
    stale_claims = candidates.filter(scoring_status=ScoringStatus.SCORING, updated_at__lt=now - SCORING_LEASE)
    waiting = candidates.filter(scoring_status=ScoringStatus.QUEUED, updated_at__lt=now - STALE_QUEUE)
    resend = []
    for pk, tenant_id, claimed_at, renewed_at in stale_claims.values_list("pk", "tenant_id", "scoring_claimed_at", "updated_at")[:500]:
        if candidates.filter(pk=pk, scoring_status=ScoringStatus.SCORING, scoring_claimed_at=claimed_at, updated_at=renewed_at).update(
            scoring_status=ScoringStatus.QUEUED, scoring_claimed_at=None, updated_at=now
        ):
            resend.append((tenant_id, pk))
    for pk, tenant_id, updated_at in waiting.values_list("pk", "tenant_id", "updated_at")[:500]:
        if candidates.filter(pk=pk, scoring_status=ScoringStatus.QUEUED, updated_at=updated_at).update(updated_at=now):
            resend.append((tenant_id, pk))
    for tenant_id, pk in resend:
        score_cv_task.delay(str(tenant_id), str(pk))
    if resend:
        logger.info("re-queued %d stale CV scoring(s)", len(resend))
    return len(resend)
