"""The simulator's candidates: who picks up, what they press, and what they say to each question.

Everything here is deterministic: a persona answers the same question the same way on every run
(choices are seeded with sha256 of the inputs, never with the built-in `hash()`). The answers are
content per language, not translated strings: French and English are spoken by the offline voice;
Arabic answers are text only, since no offline Arabic voice exists.
"""

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

LANGUAGES = ("fr", "en", "ar")

# A topic's keywords are matched in the question, whatever its language: a Latin keyword at the
# start of a word ("manag" matches "management"), an Arabic one anywhere (Arabic glues "the" and
# "and" to the word). Each answer names tools, numbers and results: evidence for the analysis.
TOPICS = (
    (("python",), {
        "fr": ("J'écris du Python depuis 6 ans, surtout avec pandas et pytest, et je maintiens une "
               "bibliothèque interne utilisée par 4 équipes.",
               "En Python, j'ai automatisé la facturation d'un client : 3 jours de travail manuel par mois "
               "sont passés à 20 minutes."),
        "en": ("I have written Python for 6 years, mostly with pandas and pytest, and I maintain an internal "
               "library used by 4 teams.",
               "In Python I automated a client's invoicing: 3 days of manual work a month went down to "
               "20 minutes."),
        "ar": ("أكتب بلغة Python منذ 6 سنوات، خاصة مع pandas و pytest، وأشرف على مكتبة داخلية تستعملها 4 فرق.",
               "باستعمال Python قمت بأتمتة فوترة أحد العملاء، فانخفض العمل اليدوي من 3 أيام شهريا إلى 20 دقيقة."),
    }),
    (("django",), {
        "fr": ("Avec Django, j'ai construit une API REST pour 200 clients, avec PostgreSQL et Celery, et "
               "j'ai réduit le temps de réponse de 40 pour cent grâce au cache.",
               "Je travaille avec Django depuis la version 2 ; j'ai migré un projet de 80 modèles vers "
               "Django 4 sans interruption de service."),
        "en": ("With Django I built a REST API for 200 customers, with PostgreSQL and Celery, and cut the "
               "response time by 40 percent with caching.",
               "I have used Django since version 2; I migrated a project of 80 models to Django 4 "
               "with no downtime."),
        "ar": ("بنيت باستعمال Django واجهة برمجية لـ 200 عميل مع PostgreSQL و Celery، "
               "وخفضت زمن الاستجابة بنسبة 40 في المئة.",
               "أعمل مع Django منذ الإصدار 2، ونقلت مشروعا يضم 80 نموذجا إلى Django 4 دون أي توقف للخدمة."),
    }),
    (("experien", "year", "annee", "parcours", "background", "خبرة", "خبرت", "سنوات"), {
        "fr": ("J'ai 7 ans d'expérience : 3 ans dans une agence web à Casablanca, puis 4 ans chez un "
               "éditeur de logiciels à Lyon, où je dirige aujourd'hui le module de paiement.",
               "Mon expérience couvre 5 ans de développement et 2 ans de chef de projet, sur des "
               "applications utilisées par 30 000 personnes."),
        "en": ("I have 7 years of experience: 3 years at a web agency in Casablanca, then 4 years at a "
               "software company in Lyon, where I now lead the payments module.",
               "My experience covers 5 years of development and 2 years as a project lead, on applications "
               "used by 30,000 people."),
        "ar": ("لدي 7 سنوات من الخبرة: 3 سنوات في وكالة رقمية بالدار البيضاء، ثم 4 سنوات "
               "في شركة برمجيات حيث أقود وحدة المدفوعات.",
               "تشمل خبرتي 5 سنوات في التطوير وسنتين في إدارة المشاريع، على تطبيقات يستعملها 30 ألف شخص."),
    }),
    (("equipe", "team", "collabor", "manag", "فريق"), {
        "fr": ("Je travaille dans une équipe de 6 développeurs en méthode Scrum ; j'anime les revues de "
               "code et j'ai formé 2 nouveaux arrivants l'an dernier.",
               "J'ai encadré une équipe de 4 personnes pendant 18 mois, avec un point quotidien et un "
               "tableau Jira partagé avec le produit."),
        "en": ("I work in a team of 6 developers using Scrum; I run the code reviews and I trained 2 new "
               "joiners last year.",
               "I led a team of 4 people for 18 months, with a daily stand-up and a Jira board shared with "
               "the product team."),
        "ar": ("أعمل ضمن فريق من 6 مطورين بمنهجية Scrum، وأشرف على مراجعة الشيفرة، "
               "ودربت زميلين جديدين السنة الماضية.",
               "قدت فريقا من 4 أشخاص لمدة 18 شهرا، مع اجتماع يومي قصير ولوحة Jira مشتركة مع فريق المنتج."),
    }),
    (("client", "customer", "user", "utilisateur", "عميل", "عملاء", "زبون", "زبائن"), {
        "fr": ("J'ai géré le support de niveau 2 pour 150 clients ; en 6 mois, nous avons fait passer le "
               "délai de réponse de 48 à 8 heures.",
               "Quand un client est mécontent, je l'appelle le jour même, je reformule le problème et je "
               "lui donne une date ; notre satisfaction est passée à 92 pour cent."),
        "en": ("I handled second-line support for 150 customers; in 6 months we brought the response time "
               "down from 48 to 8 hours.",
               "When a customer is unhappy I call them the same day, restate the problem and give them a "
               "date; our satisfaction score rose to 92 percent."),
        "ar": ("توليت الدعم من المستوى الثاني لـ 150 عميلا، وخلال 6 أشهر خفضنا مدة الرد من 48 ساعة إلى 8 ساعات.",
               "عندما يكون العميل غير راض أتصل به في اليوم نفسه وأعيد صياغة المشكلة وأحدد له "
               "موعدا، فارتفعت نسبة الرضا إلى 92 في المئة."),
    }),
    (("salaire", "salary", "remuneration", "pretention", "expectation", "راتب"), {
        "fr": ("Je vise un salaire de 45 000 euros brut par an, ce qui correspond au marché pour ce poste ; "
               "je reste ouvert selon les avantages.",),
        "en": ("I am looking for a salary of 45,000 euros a year, which matches the market for this role; "
               "I am open depending on the benefits.",),
        "ar": ("أتطلع إلى راتب سنوي قدره 45 ألف يورو، وهو ما يوافق السوق لهذا المنصب، "
               "وأبقى منفتحا على النقاش حسب الامتيازات.",),
    }),
    (("disponib", "availab", "start", "commenc", "preavis", "notice", "متى", "متاح", "الالتحاق"), {
        "fr": ("Je suis disponible dans 1 mois : mon préavis se termine le 30, et je peux commencer le "
               "lundi suivant.",),
        "en": ("I am available in 1 month: my notice period ends on the 30th, and I can start the "
               "following Monday.",),
        "ar": ("أنا متاح بعد شهر واحد، إذ تنتهي مدة الإشعار يوم 30، ويمكنني الالتحاق يوم الاثنين الموالي.",),
    }),
)

GENERIC_ANSWERS = {
    "fr": ("Oui, c'est un point que je connais bien : dans mon poste actuel, je m'en occupe chaque "
           "semaine, et l'an dernier cela nous a fait gagner 2 jours par mois.",
           "Je peux vous donner un exemple concret : sur mon dernier projet, livré en 4 mois, j'ai pris "
           "ce sujet en charge de bout en bout avec Git, Docker et des tests automatisés."),
    "en": ("Yes, that is something I know well: in my current job I deal with it every week, and last "
           "year it saved us 2 days a month.",
           "I can give you a concrete example: on my last project, delivered in 4 months, I owned that "
           "topic end to end with Git, Docker and automated tests."),
    "ar": ("نعم، أعرف هذا الموضوع جيدا، ففي عملي الحالي أتعامل معه كل أسبوع، "
           "ووفر علينا يومين في الشهر السنة الماضية.",
           "يمكنني أن أعطيكم مثالا ملموسا: في مشروعي الأخير الذي سُلّم خلال 4 أشهر، توليت "
           "هذا الجانب كاملا باستعمال Git و Docker."),
}

VAGUE_ANSWERS = {
    "fr": ("Euh, je ne sais pas trop, un peu.", "Bof, ça dépend, je crois.", "Euh... oui, un peu, enfin, pas vraiment."),
    "en": ("Uh, I don't really know, a bit.", "Hmm, it depends, I guess.", "Well... yes, a little, not really."),
    "ar": ("ممم، لا أعرف حقا، قليلا.", "حسب الظروف، أظن.", "نعم… قليلا، ليس تماما."),
}


@dataclass(frozen=True)
class Persona:
    """A simulated candidate; the simulator follows these fields and speaks `answer_text()`."""

    code: str
    label: str
    description: str
    answers_call: bool = True
    busy: bool = False
    voicemail: bool = False
    confirm_digit: str | None = "1"  # "1" begin, "2" refuse, "3" call back later, None: says nothing
    callback_choice: str | None = None  # after "3": "1" later today, "2" tomorrow
    hangs_up_midcall: bool = False
    silent: bool = False
    vague: bool = False

    def hangs_up_after(self, total_questions):
        """How many answers this candidate gives before hanging up; None when they stay to the end."""
        if not self.hangs_up_midcall:
            return None
        return max(1, total_questions // 2)

    def answer_text(self, question_text, language, number):
        """The spoken answer to question `number` (1-based) in "fr", "en" or "ar"; "" for silence."""
        if language not in LANGUAGES:
            raise ValueError(f"no answers in language {language!r}")
        if self.silent:
            return ""
        pick = random.Random(_seed(self.code, question_text, language, number)).choice
        if self.vague:
            return pick(VAGUE_ANSWERS[language])
        question = _normalised(question_text)
        matched = [answers[language] for keywords, answers in TOPICS if any(_mentions(question, k) for k in keywords)]
        return " ".join(pick(sentences) for sentences in matched[:2]) or pick(GENERIC_ANSWERS[language])


def _seed(*parts):
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:8], "big")


def _normalised(text):
    """Words in lower case without accents or Arabic vowel marks, one space before each."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " " + re.sub(r"[\W_]+", " ", bare)


def _mentions(question, keyword):
    return (" " + keyword if keyword.isascii() else _normalised(keyword).strip()) in question


PERSONAS = {persona.code: persona for persona in (
    Persona("good", _("Good candidate"),
            _("Answers every question with concrete experience, numbers and named tools.")),
    Persona("weak", _("Weak candidate"), _("Answers every question briefly and vaguely."), vague=True),
    Persona("silent", _("Silent candidate"), _("Agrees to the interview, then says nothing to each question."),
            silent=True),
    Persona("hangs_up", _("Hangs up midway"), _("Answers well, then hangs up after half of the questions."),
            hangs_up_midcall=True),
    Persona("voicemail", _("Voicemail"), _("An answering machine picks up the call."), voicemail=True,
            confirm_digit=None),
    Persona("busy", _("Line busy"), _("The line is busy every time the call is placed."), answers_call=False,
            busy=True, confirm_digit=None),
    Persona("no_answer", _("No answer"), _("The phone rings and nobody picks up."), answers_call=False,
            confirm_digit=None),
    Persona("declines", _("Declines the interview"), _("Picks up and presses 2 to refuse the interview."),
            confirm_digit="2"),
    Persona("callback", _("Asks to be called back"),
            _("Picks up, presses 3 to be called back, then 1 for later today."), confirm_digit="3",
            callback_choice="1"),
)}
DEFAULT_PERSONA = "good"


def persona_choices():
    """(code, label) pairs for a form's select, in the order above."""
    return [(persona.code, persona.label) for persona in PERSONAS.values()]
