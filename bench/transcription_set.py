"""The fixed set of spoken answers the transcription benchmark runs on: 24 French and 24 English
answers to recruiting questions (15 to 60 words, with numbers, tools and some hesitations), each
with its question and the position's skills (what the initial prompt is built from).

Each answer is spoken by the simulator's offline voice as a phone line records it
(`interviews.phone_audio.synthesize_phone_answer`: 8 kHz mono u-law, 300-3400 Hz), then some are
changed by sox the way real calls differ: line noise, a faster or slower speaker, an answer that
trails off (its last words quieter and fading, after a pause). The texts and the recipes are
fixed; the offline voice itself is not byte-for-byte repeatable (py-nanotts gives slightly
different samples from one call to the next), so each answer is spoken once and its WAV file
cached, keyed by what made it: reruns on one machine transcribe the same bytes.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

RECIPE_VERSION = "1"
VARIANTS = ("clean", "noise", "clean", "fast", "trailing", "slow")
NOISE_VOLUME = 0.03  # white noise under the voice: about 15 dB below its level
FAST_TEMPO, SLOW_TEMPO = 1.2, 0.85
TRAILING_GAIN_DB = -10

SKILLS = {
    "backend": ["Python", "Django", "PostgreSQL", "Docker", "Celery", "REST API", "pytest"],
    "data": ["SQL", "Power BI", "Excel", "Python", "pandas", "Tableau"],
    "sales": ["Salesforce", "HubSpot", "CRM", "prospection", "négociation"],
    "devops": ["AWS", "Kubernetes", "Terraform", "Prometheus", "Grafana", "Linux"],
    "finance": ["SAP", "Sage", "QuickBooks", "Excel", "IFRS"],
    "logistics": ["WMS", "SAP", "Excel", "lean", "gestion d'équipe"],
    "support": ["Zendesk", "CRM", "relation client"],
}

# (position, question, answer)
FRENCH = (
    ("backend", "Pouvez-vous vous présenter et décrire votre parcours ?",
     "Bonjour, je m'appelle Karim, j'ai 29 ans et je suis développeur back-end depuis 2019. J'ai commencé "
     "dans une agence web à Rabat, puis j'ai rejoint une fintech où je travaille surtout avec Python et Django."),
    ("backend", "Combien d'années d'expérience avez-vous avec Django ?",
     "Euh, j'ai environ 5 ans d'expérience avec Django. J'ai construit une API REST pour une application de "
     "réservation utilisée par 12 000 clients, avec PostgreSQL et Celery pour les tâches en arrière-plan."),
    ("backend", "Parlez-moi d'un projet dont vous êtes fier.",
     "Le projet dont je suis le plus fier, c'est la migration de notre plateforme vers Docker. Nous étions "
     "4 développeurs, cela a pris 6 mois, et le temps de déploiement est passé de 2 heures à 10 minutes."),
    ("backend", "Comment gérez-vous un désaccord dans une équipe ?",
     "Hum, en général je commence par écouter l'autre personne jusqu'au bout. Ensuite on regarde les faits "
     "ensemble, par exemple les chiffres ou les retours des utilisateurs, et si on n'est toujours pas d'accord, "
     "on demande l'avis du responsable technique."),
    ("backend", "Quelles sont vos prétentions salariales ?",
     "Je vise un salaire entre 42 000 et 48 000 euros brut par an, selon les avantages et la part de télétravail."),
    ("backend", "Quand seriez-vous disponible ?",
     "Je suis disponible dans un mois, puisque mon préavis se termine à la fin du mois de mars. Je pourrais donc "
     "commencer début avril."),
    ("data", "Quels outils utilisez-vous pour analyser des données ?",
     "J'utilise surtout SQL et Excel au quotidien, et Power BI pour les tableaux de bord. Depuis deux ans, je fais "
     "aussi un peu de Python avec pandas pour automatiser les rapports mensuels."),
    ("data", "Décrivez un tableau de bord que vous avez créé.",
     "J'ai créé un tableau de bord commercial pour 35 agences. Il affiche le chiffre d'affaires, la marge et le "
     "taux de conversion, et il est mis à jour chaque matin à partir de notre entrepôt de données."),
    ("sales", "Comment prospectez-vous de nouveaux clients ?",
     "Alors, euh, je prépare une liste de 50 entreprises chaque semaine dans Salesforce, je les appelle le matin, "
     "et j'envoie un courriel de relance deux jours plus tard. Mon taux de rendez-vous tourne autour de 15 pour cent."),
    ("sales", "Quel a été votre meilleur résultat commercial ?",
     "L'année dernière, j'ai signé un contrat de 250 000 euros avec une chaîne de pharmacies. Il a fallu 8 mois de "
     "négociation et trois démonstrations, mais aujourd'hui c'est notre plus gros client dans la région."),
    ("devops", "Quelle est votre expérience avec le cloud ?",
     "Je travaille sur AWS depuis 4 ans. Je gère l'infrastructure avec Terraform, une trentaine de services "
     "tournent sur Kubernetes, et j'ai mis en place la supervision avec Prometheus et Grafana."),
    ("devops", "Comment réagissez-vous à une panne en production ?",
     "D'abord je préviens l'équipe et je regarde les journaux et les alertes. Si le dernier déploiement est en "
     "cause, je reviens à la version précédente, puis on rédige un compte rendu dans les 48 heures."),
    ("finance", "Quels logiciels comptables maîtrisez-vous ?",
     "Je maîtrise Sage et SAP, que j'utilise depuis 2016. Je prépare les clôtures mensuelles pour 3 sociétés du "
     "groupe et je fais les rapprochements bancaires dans Excel."),
    ("finance", "Avez-vous déjà travaillé avec les normes IFRS ?",
     "Oui, un peu. Dans mon poste précédent, j'ai participé à la consolidation en normes IFRS pendant deux ans, "
     "mais je ne suis pas encore expert, euh, j'aimerais progresser sur ce sujet."),
    ("finance", "Pourquoi voulez-vous quitter votre poste actuel ?",
     "Je me plais dans mon entreprise, mais j'ai fait le tour de mon poste. Je cherche un environnement plus "
     "grand, avec plus de responsabilités et la possibilité d'encadrer une petite équipe."),
    ("support", "Quel est votre niveau d'anglais ?",
     "Mon niveau d'anglais est bon. J'ai passé une certification en 2021, et je fais des réunions en anglais "
     "avec nos clients de Londres deux fois par semaine."),
    ("backend", "Comment testez-vous votre code ?",
     "J'écris des tests unitaires avec pytest pour chaque nouvelle fonction, et des tests d'intégration qui "
     "tournent à chaque fusion. Notre couverture de code est d'environ 85 pour cent."),
    ("logistics", "Décrivez votre expérience en logistique.",
     "J'ai travaillé 6 ans dans un entrepôt de 20 000 mètres carrés près de Tanger. Je gérais une équipe de "
     "25 préparateurs et nous expédiions environ 3 000 commandes par jour."),
    ("logistics", "Avez-vous déjà amélioré un processus ?",
     "Oui. J'ai réorganisé les emplacements des produits selon les ventes, et le temps de préparation d'une "
     "commande a baissé de 30 pour cent en trois mois."),
    ("logistics", "Êtes-vous prêt à vous déplacer ?",
     "Oui, je suis prêt à me déplacer une ou deux fois par mois, surtout à Paris et à Casablanca. Par contre, "
     "un déménagement n'est pas possible pour moi cette année."),
    ("support", "Quelles sont vos principales qualités ?",
     "Je dirais que je suis organisé, patient et plutôt curieux. Mes collègues viennent souvent me voir quand "
     "ils ont un problème difficile, parce que je prends le temps de comprendre avant de proposer une solution."),
    ("support", "Comment gérez-vous un client mécontent ?",
     "Euh, je le rappelle le jour même, je reformule son problème pour être sûr de bien comprendre, et je lui "
     "donne une date précise. Notre taux de satisfaction est monté à 92 pour cent."),
    ("data", "Avez-vous déjà utilisé Python ?",
     "Oui, j'utilise Python depuis 3 ans, surtout avec pandas. J'ai écrit un programme qui fusionne 12 fichiers "
     "Excel chaque lundi, ce qui nous fait gagner une demi-journée par semaine."),
    ("data", "Avez-vous des questions pour nous ?",
     "Oui, j'aimerais savoir comment se passent les premières semaines, et combien de personnes compte "
     "l'équipe. Et, hum, est-ce que le télétravail est possible deux jours par semaine ?"),
)

ENGLISH = (
    ("backend", "Could you introduce yourself and describe your background?",
     "Hi, my name is Sarah, I am 31 and I have been a back-end developer since 2018. I started at a small web "
     "agency in Manchester, then joined a payments company where I mostly work with Python and Django."),
    ("backend", "How many years of experience do you have with Django?",
     "Um, about six years now. I built a REST API for a booking application used by 15,000 customers, with "
     "PostgreSQL for the data and Celery for the background jobs."),
    ("backend", "Tell me about a project you are proud of.",
     "The project I am most proud of is moving our platform to Docker. There were four of us, it took about "
     "5 months, and our deployment time went from two hours down to ten minutes."),
    ("backend", "How do you handle a disagreement in your team?",
     "Well, first I listen to the other person without interrupting. Then we look at the facts together, like "
     "the numbers or the user feedback, and if we still disagree we ask the tech lead to decide."),
    ("backend", "What are your salary expectations?",
     "I am looking for something between 60,000 and 65,000 dollars a year, depending on the benefits and how "
     "many days I can work from home."),
    ("backend", "When would you be available to start?",
     "I can start in about one month. My notice period ends at the end of March, so the first week of April "
     "would work well for me."),
    ("data", "Which tools do you use to analyse data?",
     "Mostly SQL and Excel every day, and Power BI for the dashboards. For the last two years I have also used "
     "Python with pandas to automate our monthly reports."),
    ("data", "Describe a dashboard you built.",
     "I built a sales dashboard for 40 branches. It shows revenue, margin and conversion rate, and it refreshes "
     "every morning from our data warehouse, so managers see the numbers when they arrive."),
    ("sales", "How do you find new customers?",
     "So, uh, every week I build a list of about 50 companies in HubSpot, I call them in the morning and I send "
     "a follow-up email two days later. My meeting rate is around 12 percent."),
    ("sales", "What was your best sales result?",
     "Last year I closed a deal worth 300,000 dollars with a chain of dental clinics. It took eight months and "
     "three demos, but today they are our biggest customer in the region."),
    ("devops", "What is your experience with the cloud?",
     "I have worked on AWS for four years. I manage the infrastructure with Terraform, we run about thirty "
     "services on Kubernetes, and I set up the monitoring with Prometheus and Grafana."),
    ("devops", "How do you react to an outage in production?",
     "First I tell the team and check the logs and the alerts. If the last deployment caused it, I roll back to "
     "the previous version, and we write a short incident report within 48 hours."),
    ("finance", "Which accounting software do you know?",
     "I know QuickBooks and SAP very well, I have used them since 2015. I prepare the month-end close for three "
     "companies in the group and I do the bank reconciliations in Excel."),
    ("finance", "Have you worked with IFRS?",
     "Yes, a little. In my previous job I helped with the IFRS consolidation for two years, but I would not call "
     "myself an expert yet, um, it is something I want to improve."),
    ("finance", "Why do you want to leave your current job?",
     "I like my company, but I have learned what I could in this role. I am looking for a bigger team, more "
     "responsibility, and the chance to mentor junior colleagues."),
    ("support", "Do you speak any other languages?",
     "Yes, I speak French fluently because I lived in Lyon for three years, and I have a basic level of Spanish. "
     "I use French every week with our clients in Paris."),
    ("backend", "How do you test your code?",
     "I write unit tests with pytest for every new function, and integration tests that run on every pull "
     "request. Our test coverage is about 85 percent."),
    ("logistics", "Describe your experience in logistics.",
     "I worked for seven years in a warehouse of 20,000 square meters near Birmingham. I managed a team of 25 "
     "pickers and we shipped around 3,000 orders a day."),
    ("logistics", "Have you ever improved a process?",
     "Yes. I reorganised where the products are stored based on sales, and the time to prepare an order dropped "
     "by 30 percent in three months."),
    ("logistics", "Are you willing to travel?",
     "Yes, I can travel once or twice a month, mostly to London and Dublin. Moving to another city is not "
     "possible for me this year, though, because of my family."),
    ("support", "What are your main strengths?",
     "I would say I am organised, patient and quite curious. My colleagues often come to me with difficult "
     "problems, because I take the time to understand them before I suggest a solution."),
    ("support", "How do you deal with an unhappy customer?",
     "Uh, I call them back the same day, I repeat the problem in my own words to make sure I understood it, and "
     "I give them a clear date. Our satisfaction score went up to 92 percent."),
    ("data", "Have you used Python before?",
     "Yes, I have used Python for three years, mainly with pandas. I wrote a script that merges twelve Excel "
     "files every Monday, which saves us half a day each week."),
    ("data", "Do you have any questions for us?",
     "Yes, I would like to know how the first weeks work, and how many people are in the team. And, um, is it "
     "possible to work from home two days a week?"),
)


@dataclass(frozen=True)
class SpokenAnswer:
    """One answer of the set: what is said, to which question, and how the line changes it."""

    key: str
    language: str
    question: str
    skills: tuple
    text: str
    variant: str

    def recipe(self):
        """What the audio is made from; its digest names the cached WAV file."""
        return "\x1f".join((RECIPE_VERSION, self.language, self.variant, self.text))

    def cache_name(self):
        return f"{self.key}-{hashlib.sha256(self.recipe().encode()).hexdigest()[:12]}.wav"


def answer_set(*, per_language=None):
    """The set, French then English, in a fixed order; `per_language` keeps the first N of each."""
    answers = []
    for language, rows in (("fr", FRENCH), ("en", ENGLISH)):
        for number, (position, question, text) in enumerate(rows[:per_language], start=1):
            variant = VARIANTS[(number - 1) % len(VARIANTS)]
            answers.append(SpokenAnswer(key=f"{language}-{number:02d}-{variant}", language=language, question=question,
                                        skills=tuple(SKILLS[position]), text=text, variant=variant))
    return answers


def default_cache_dir():
    """AIHM_VAR_DIR/bench/transcription when the variable is set, else a folder in /tmp."""
    var_dir = os.environ.get("AIHM_VAR_DIR")
    base = Path(var_dir) / "bench" if var_dir else Path(tempfile.gettempdir()) / "aihm-bench"
    return base / "transcription"


def phone_audio_for(answer, cache_dir=None):
    """The answer as a phone recording (WAV bytes), from the cache when it was made before."""
    folder = Path(cache_dir) if cache_dir else default_cache_dir()
    path = folder / answer.cache_name()
    if path.is_file():
        return path.read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    audio = _speak(answer)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(audio)
    temporary.replace(path)
    return audio


def _speak(answer):
    from interviews.phone_audio import synthesize_phone_answer

    if answer.variant != "trailing":
        clean = synthesize_phone_answer(answer.text, answer.language)
        if answer.variant == "clean":
            return clean
    with tempfile.TemporaryDirectory(prefix="aihm-bench-voice-") as folder:
        work = Path(folder)
        if answer.variant == "trailing":
            return _trailing_off(answer, work)
        source, out = work / "answer.wav", work / "out.wav"
        source.write_bytes(clean)
        if answer.variant == "noise":
            _with_noise(source, out, work)
        else:
            tempo = FAST_TEMPO if answer.variant == "fast" else SLOW_TEMPO
            _sox_phone([str(source)], out, ["tempo", "-s", str(tempo)])
        return out.read_bytes()


def _with_noise(source, out, work):
    from interviews.phone_audio import check_recording

    seconds = check_recording(source.read_bytes(), max_bytes=1 << 30).duration_seconds
    noise = work / "noise.wav"
    _sox_phone(["-n"], noise, ["synth", f"{seconds:.3f}", "whitenoise", "vol", str(NOISE_VOLUME)], encoding=("-e", "signed", "-b", "16"))
    _sox_phone(["-m", "-v", "1", str(source), "-v", "1", str(noise)], out, ["sinc", "300-3400"])


def _trailing_off(answer, work):
    """The last clause said after a pause, quieter, fading out: a candidate whose voice drops."""
    from interviews.phone_audio import check_recording, synthesize_phone_answer

    head, tail = _last_clause(answer.text)
    first, last, quiet, out = work / "head.wav", work / "tail.wav", work / "quiet.wav", work / "out.wav"
    first.write_bytes(synthesize_phone_answer(head, answer.language))
    last.write_bytes(synthesize_phone_answer(tail, answer.language))
    seconds = check_recording(last.read_bytes(), max_bytes=1 << 30).duration_seconds
    _sox_phone([str(last)], quiet, ["gain", str(TRAILING_GAIN_DB), "fade", "t", "0", f"{seconds:.3f}", f"{max(seconds - 0.8, 0.2):.3f}"])
    _sox_phone([str(first), str(quiet)], out, [])
    return out.read_bytes()


def _last_clause(text):
    """(everything before the last clause, the last clause): split at the last comma when that
    leaves a short ending (at most 8 words), else before the last 4 words."""
    words = text.split()
    for index in range(len(words) - 2, max(len(words) - 9, 0), -1):
        if words[index].endswith(","):
            return " ".join(words[:index + 1]), " ".join(words[index + 1:])
    return " ".join(words[:-4]), " ".join(words[-4:])


def _sox_phone(inputs, out, effects, encoding=None):
    """sox, repeatable (the product's seeded call), writing a phone-format WAV unless told otherwise."""
    from interviews.phone_audio import PHONE_OUTPUT, _sox

    output = ["-r", "8000", "-c", "1", *encoding] if encoding else PHONE_OUTPUT
    if inputs == ["-n"]:
        _sox(["-n", *output, str(out), *effects])
    else:
        _sox([*inputs, *output, str(out), *effects])
