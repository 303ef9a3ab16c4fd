"""Demo data for the `seed` command: three positions (French and English; the support lead's call
is offered in English and French, the candidate choosing) with a frozen screening script each, and
a dozen candidates whose CVs are the generated files of tests/fixtures/cvs/ (fictitious people,
described by cvs.json).

Everything goes through recruiting.services, so CVs are checked, read and queued for scoring like
any upload (scored by the worker, or at once when Celery runs eagerly). Idempotent: positions are
found by title, questions are written only into an empty script, a script is frozen only when it
has no version yet, candidates are found by email.
"""

import json

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from recruiting import services
from recruiting.models import Candidate, CandidateSource, Position, PositionStatus

CV_DIR = settings.BASE_DIR / "tests" / "fixtures" / "cvs"
MANIFEST = CV_DIR / "cvs.json"

DEVELOPER, SUPPORT_LEAD, ACCOUNTANT = "developer", "support-lead", "accountant"

POSITIONS = {
    DEVELOPER: {
        "manifest": "backend-python-fr",
        "title": "Développeur·se Python/Django",
        "questions": [
            ("Présentez un projet Django que vous avez mené de bout en bout : votre rôle, les choix techniques et le résultat.",
             "Un projet réel, le rôle personnel du candidat, des choix justifiés (modèles, API, déploiement), un résultat mesurable.", 5, 120),
            ("Comment concevez-vous une API REST qui doit rester rapide avec des millions de lignes en base PostgreSQL ?",
             "Index, pagination, requêtes sans N+1 (select_related, prefetch_related), mesure avant d'optimiser.", 4, 120),
            ("Une tâche asynchrone peut être exécutée deux fois. Comment la rendez-vous sûre ?",
             "Idempotence : clé naturelle ou contrainte d'unicité, mise à jour conditionnelle, état vérifié avant d'agir.", 4, 90),
            ("Comment testez-vous un code qui appelle un service externe, par exemple un opérateur téléphonique ?",
             "Une interface étroite, un faux ou un serveur de test local, des tests du comportement et des cas d'erreur.", 3, 90),
            ("À partir de quand pourriez-vous rejoindre l'équipe ?", "Une date claire et réaliste.", 1, 30),
        ],
    },
    SUPPORT_LEAD: {
        "title": "Customer Support Team Lead",
        "language": "en",
        "description": (
            "You lead a team of twelve support agents on a multichannel customer service floor (phone, email, chat), "
            "follow the service KPIs, coach the agents and train the newcomers."
        ),
        "skills": ["Team management", "KPI", "Customer service", "Excel", "Training"],
        "must_haves": ["Call centre experience", "Team leadership"],
        "nice_to_haves": ["French", "CRM"],
        "min_years_experience": 3,
        "location": "Casablanca",
        "contract_type": "permanent",
        "call_languages": ["en", "fr"],
        "questions": [
            ("Tell us about a team you led in a call centre or support service: its size, its goals and your results.",
             "A real team, concrete goals (service level, satisfaction, handling time), the candidate's own actions and results.", 5, 120,
             {"fr": "Parlez-nous d'une équipe que vous avez encadrée dans un centre d'appels ou un service client : sa taille, "
                    "ses objectifs et vos résultats."}),
            ("Which indicators do you follow every day, and what do you do when one of them drops?",
             "Named KPIs (service level, first-contact resolution, satisfaction), a diagnosis before acting, a concrete action plan.", 4, 120,
             {"fr": "Quels indicateurs suivez-vous chaque jour, et que faites-vous quand l'un d'eux baisse ?"}),
            ("How do you handle an agent whose quality scores have been falling for a month?",
             "Listening first, call reviews, a coaching plan with dated objectives, follow-up; fairness and respect.", 4, 90,
             {"fr": "Comment accompagnez-vous un conseiller dont les notes qualité baissent depuis un mois ?"}),
            ("Describe how you train a new agent during their first two weeks.",
             "A structured plan: product and tools, listening to calls, supervised calls, feedback, autonomy step by step.", 3, 90,
             {"fr": "Décrivez comment vous formez un nouveau conseiller pendant ses deux premières semaines."}),
            ("When could you start?", "A clear and realistic date.", 1, 30,
             {"fr": "À partir de quand pourriez-vous prendre ce poste ?"}),
        ],
    },
    ACCOUNTANT: {
        "manifest": "accountant-fr",
        "questions": [
            ("Combien de dossiers de PME suivez-vous aujourd'hui, et comment organisez-vous vos clôtures ?",
             "Un portefeuille chiffré, un calendrier de clôture, des contrôles (rapprochements, lettrage, révision).", 5, 120),
            ("Quelles déclarations fiscales préparez-vous vous-même, et comment évitez-vous les erreurs ?",
             "TVA, IS, liasse fiscale ; des contrôles de cohérence, une veille sur les changements de règles.", 4, 120),
            ("Racontez une anomalie importante que vous avez trouvée dans des comptes et ce que vous avez fait.",
             "Une anomalie précise, la méthode pour la trouver, la correction et l'échange avec le client.", 4, 90),
            ("Quels logiciels comptables utilisez-vous, et à quel niveau ?", "Sage ou équivalent, Excel avancé, exemples concrets.", 2, 60),
            ("À partir de quand pourriez-vous prendre ce poste ?", "Une date claire et réaliste.", 1, 30),
        ],
    },
}

# Where each CV of the manifest goes: the position it was written for, or the closest demo one.
MANIFEST_POSITIONS = {
    "backend-python-fr": DEVELOPER,
    "call-centre-supervisor-fr": SUPPORT_LEAD,
    "sales-en": SUPPORT_LEAD,
    "accountant-fr": ACCOUNTANT,
}


def seed_demo(company):
    """Called by `manage.py seed` inside the demo company's tenant context."""
    by = company.recruiter
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    positions = {key: _ensure_position(by, values, manifest["positions"]) for key, values in POSITIONS.items()}
    for entry in manifest["cvs"]:
        key = MANIFEST_POSITIONS.get(entry["position"])
        if key is not None:
            _ensure_candidate(by, positions[key], entry)


def _ensure_position(by, values, manifest_positions):
    """A position from its own fields, or from the CV manifest's position it names (title may differ)."""
    values = dict(values)
    questions = values.pop("questions")
    values = {**manifest_positions.get(values.pop("manifest", None), {}), **values}
    position = Position.objects.filter(title=values["title"]).first()
    if position is None:
        position = services.create_position(by=by, status=PositionStatus.OPEN, **values)
    if not position.questions.exists():
        for text, good_answer, weight, seconds, *translations in questions:
            services.add_question(by=by, position=position, text=text, good_answer=good_answer, weight=weight,
                                  max_answer_seconds=seconds, translations=translations[0] if translations else {})
    if not position.script_versions.exists():
        services.freeze_script(by=by, position=position)
    return position


def _ensure_candidate(by, position, entry):
    if position.status not in (PositionStatus.OPEN, PositionStatus.DRAFT):
        return None
    if Candidate.objects.filter(email=entry["email"].lower()).exists():
        return None
    cv = SimpleUploadedFile(entry["file"], (CV_DIR / entry["file"]).read_bytes())
    return services.add_candidate(
        by=by, position=position, cv=cv, source=CandidateSource.SEED, allow_duplicate=True,
        full_name=entry["full_name"], email=entry["email"], phone=entry["phone"],
    )
