"""CV scoring: data minimisation, the offline scorer on the fixture CVs, the output checks, and the
state machine (queue, claim, score, fail, re-score, sweeper across tenants)."""

import json
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings

from accounts.models import AuditLog
from aihm import ai
from aihm.errors import NotAllowed
from aihm.tenancy import tenant_context
from recruiting import scoring
from recruiting.cv import read_cv_bytes
from recruiting.minimise import minimise_cv_text
from recruiting.models import Candidate, PipelineStatus, ScoringStatus
from recruiting.tasks import requeue_stale_scoring, score_cv_task
from tests import factories

FIXTURES = Path(__file__).parent / "fixtures" / "cvs"
MANIFEST = json.loads((FIXTURES / "cvs.json").read_text(encoding="utf-8"))
PINNED_NOW = datetime(2025, 6, 1, 12, 0, tzinfo=dt_timezone.utc)


@lru_cache(maxsize=None)
def fixture_text(file_name):
    """The text the upload path would extract from a fixture CV, minimised as for the provider."""
    content, _ = read_cv_bytes((FIXTURES / file_name).read_bytes(), file_name)
    person = next(cv for cv in MANIFEST["cvs"] if cv["file"] == file_name)
    return minimise_cv_text(content.text, full_name=person["full_name"], email=person["email"], phone=person["phone"])


def demo_position(key, **changes):
    return SimpleNamespace(**{**MANIFEST["positions"][key], **changes})


def score(file_name, position):
    requirements, ignored = scoring.scoring_requirements(position)
    inputs = scoring.position_inputs(position, requirements)
    untrusted = {"cv": fixture_text(file_name) if file_name.endswith((".pdf", ".docx", ".txt")) else file_name}
    output = scoring.score_offline(inputs, untrusted)
    ai.validate_output(scoring.SCORE_CV, output, inputs, untrusted)
    return output, ignored


def criterion(output, requirement):
    return next(c for c in output["criteria"] if c["requirement"] == requirement)


# --- Data minimisation -----------------------------------------------------------------------

FRENCH_CV = """Élodie MÜLLER-Dubois
Développeuse Python
12 rue des Lilas, 75011 Paris
elodie.muller@exemple.fr | 06 12 34 56 78 | +33 (0)6.12.34.56.78 | linkedin.com/in/elodie-muller
Née le 12/03/1990 - Nationalité : française
Situation familiale : mariée, deux enfants
EXPÉRIENCE
2016 - 2020 : Développeuse chez Acme, mise en place de pipelines CI/CD au cours de la migration.
09.2016 - 06.2020 : budget de 15 000 000 MAD, feuille de route produit.
Références : Élodie Muller a dirigé l'équipe ; elodie dubois, ELODIE MULLER.
"""

ENGLISH_CV = """Yassine El Amrani
221B Baker Street, London
Résidence Al Amal, Imm 4, Apt 12, 20250 Casablanca
Hay Riad, Rabat
yassine.elamrani@example.com, +212 661-234567, 00212 6 61 23 45 67
https://github.com/yassine-dev and www.yassine.example.org
Born on 1 May 1992. Marital status: single.
Experience
Jan 2019 - Present: led the Amrani payments project, 20 engineers, rest API.
Lot 3 of the migration was delivered on time; we placed 120 agents.
"""


def test_minimisation_removes_the_french_candidates_identity():
    text = minimise_cv_text(FRENCH_CV, full_name="Élodie Müller-Dubois", email="elodie.muller@exemple.fr", phone="+33612345678")
    for identifying in ("Élodie", "ELODIE", "elodie", "Müller", "MÜLLER", "Muller", "Dubois", "dubois", "exemple.fr",
                        "06 12", "6.12.34", "rue des Lilas", "75011", "linkedin", "1990", "française", "mariée"):
        assert identifying not in text, identifying
    assert "[name]" in text and "[email]" in text and "[phone]" in text and "[link]" in text and "[address]" in text
    assert "[personal detail]" in text


def test_minimisation_keeps_what_the_scoring_needs():
    text = minimise_cv_text(FRENCH_CV, full_name="Élodie Müller-Dubois", email="", phone="")
    assert "2016 - 2020 : Développeuse chez Acme, mise en place de pipelines CI/CD au cours de la migration." in text
    assert "09.2016 - 06.2020 : budget de 15 000 000 MAD, feuille de route produit." in text
    assert "Développeuse Python" in text
    assert "EXPÉRIENCE" in text


def test_minimisation_removes_the_english_candidates_identity():
    text = minimise_cv_text(ENGLISH_CV, full_name="Yassine El Amrani", email="", phone="+212661234567")
    for identifying in ("Yassine", "Amrani", "El Amrani", "Baker", "Résidence", "20250", "Hay Riad", "yassine.elamrani",
                        "661", "github", "example.org", "1992", "single"):
        assert identifying not in text, identifying
    assert "Jan 2019 - Present: led the [name] payments project, 20 engineers, rest API." in text
    assert "Lot 3 of the migration was delivered on time; we placed 120 agents." in text


@pytest.mark.parametrize("phone", [
    "0612345678", "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "+212 6 12 34 56 78", "+212612345678",
    "(+33) 6 12 34 56 78", "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78", "212612345678",
])
def test_phone_formats_are_replaced(phone):
    assert minimise_cv_text(f"Tél : {phone}.", full_name="", email="", phone="") == "Tél : [phone]."


@pytest.mark.parametrize("kept", [
    "2016 - 2020", "09/2016 - 06/2020", "01.2018 - 12.2019", "1 200 000 MAD", "15 000 000 utilisateurs",
    "version 3.12.1", "ISO 27001",
])
def test_dates_amounts_and_versions_are_not_phones(kept):
    assert minimise_cv_text(f"Ligne : {kept} ok", full_name="", email="", phone="") == f"Ligne : {kept} ok"


@pytest.mark.parametrize("line", [
    "45, Av. Hassan II, Agadir", "8 bd de la Croix-Rousse", "Bd Zerktouni, Marrakech", "Lot Al Wifaq n° 18, Tanger",
    "Derb Sultan, Casablanca", "Quartier Maârif, Casablanca", "10 Downing Road, Manchester", "69003 Lyon",
    "Adresse : chez M. Dupont", "B.P. 2345 Rabat",
])
def test_address_lines_are_replaced(line):
    assert minimise_cv_text(f"{line}\nPython", full_name="", email="", phone="") == "[address]\nPython"


@pytest.mark.parametrize("line", [
    "Mise en place de la supervision", "Au cours de la migration, j'ai formé 12 agents.", "Feuille de route produit",
    "Road map and street marketing campaigns", "Suivi d'un lot de fonctionnalités", "Cours de Python en ligne",
])
def test_ordinary_sentences_are_not_addresses(line):
    assert minimise_cv_text(line, full_name="", email="", phone="") == line


@pytest.mark.parametrize("line, replaced", [
    ("32 ans, marié", True), ("Âge : 40", True), ("Date de naissance : 21/09/1990", True), ("Nationalité : marocaine", True),
    ("Situation familiale : mariée, deux enfants", True), ("Born on 1 May 1992", True), ("Marital status: single", True),
    ("12 ans en centre d'appels", False), ("15 ans dans la vente", False), ("Nationwide sales network", False),
])
def test_personal_detail_lines_are_replaced(line, replaced):
    expected = "[personal detail]" if replaced else line
    assert minimise_cv_text(f"{line}\nPython", full_name="", email="", phone="") == f"{expected}\nPython"


def test_name_particles_are_removed_only_with_the_name():
    text = minimise_cv_text("Karim Ben Ali, chef de projet chez Ben & Co. Projet de Karim.", full_name="Karim Ben Ali", email="", phone="")
    assert text == "[name], chef de projet chez Ben & Co. Projet de [name]."


def test_name_tokens_are_whole_words_only():
    text = minimise_cv_text("Ali a travaillé sur l'alignement des données avec Alibaba.", full_name="Ali Test", email="", phone="")
    assert text == "[name] a travaillé sur l'alignement des données avec Alibaba."


def test_every_fixture_cv_leaves_without_its_candidates_contact_details():
    for cv in MANIFEST["cvs"]:
        text = fixture_text(cv["file"])
        digits = "".join(ch for ch in cv["phone"] if ch.isdigit())[-8:]
        assert cv["email"] not in text
        assert digits not in "".join(ch for ch in text if ch.isdigit())
        for part in cv["full_name"].split():
            assert part.lower() not in text.lower().replace("[name]", ""), (cv["file"], part)


# --- The fixture files ------------------------------------------------------------------------


def test_every_fixture_cv_is_read_by_the_upload_path_with_its_text():
    from recruiting.cv import DOCX, PDF, TEXT

    kinds = {".pdf": PDF, ".docx": DOCX, ".txt": TEXT}
    for cv in MANIFEST["cvs"]:
        content, _ = read_cv_bytes((FIXTURES / cv["file"]).read_bytes(), cv["file"])
        assert content.content_type == kinds[Path(cv["file"]).suffix]
        assert content.text.startswith(cv["full_name"]) and scoring.word_count(content.text) >= 60, cv["file"]
        assert cv["position"] in MANIFEST["positions"] and cv["language"] in ("fr", "en")
        assert cv["phone"].startswith(("+212 6", "+33 6"))


def test_the_scanned_fixture_has_no_text_and_the_corrupt_one_is_refused():
    from aihm.errors import Invalid

    scanned, _ = read_cv_bytes((FIXTURES / "scanned.pdf").read_bytes(), "scanned.pdf")
    assert scanned.has_text is False
    with pytest.raises(Invalid):
        read_cv_bytes((FIXTURES / "corrupt.pdf").read_bytes(), "corrupt.pdf")


# --- The offline scorer on the fixture CVs ---------------------------------------------------


@pytest.mark.parametrize("position_key", sorted(MANIFEST["positions"]))
def test_a_strong_match_scores_higher_than_a_weak_one(position_key):
    fits = {cv["file"]: cv["fit"] for cv in MANIFEST["cvs"] if cv["position"] == position_key}
    scores = {file_name: score(file_name, demo_position(position_key))[0]["overall_score"] for file_name in fits}
    strongest_weak = max([s for f, s in scores.items() if fits[f] == "weak"], default=-1)
    weakest_strong = min(s for f, s in scores.items() if fits[f] == "strong")
    assert weakest_strong > strongest_weak
    assert weakest_strong >= 80


def test_fixture_cvs_are_scored_highest_for_the_position_they_were_written_for():
    for cv in MANIFEST["cvs"]:
        if cv["fit"] != "strong":
            continue
        by_position = {key: score(cv["file"], demo_position(key))[0]["overall_score"] for key in MANIFEST["positions"]}
        assert max(by_position, key=by_position.get) == cv["position"], cv["file"]


def test_must_haves_met_and_missing():
    output, _ = score("dev_python_junior_fr.docx", demo_position("backend-python-fr"))
    assert output["must_haves_met"] == ["Python"]
    assert output["must_haves_missing"] == ["Django"]
    assert output["overall_score"] <= scoring.MISSING_MUST_HAVE_CAP

    output, _ = score("call_centre_agent_fr.txt", demo_position("call-centre-supervisor-fr"))
    assert output["must_haves_met"] == ["Expérience en centre d'appels"]
    assert output["must_haves_missing"] == ["Encadrement d'équipe"]

    output, _ = score("call_centre_supervisor_fr.pdf", demo_position("call-centre-supervisor-fr"))
    assert output["must_haves_missing"] == []
    assert criterion(output, "Encadrement d'équipe")["evidence"].startswith("Encadrement d'une équipe de 25 téléconseillers")


@time_machine.travel(PINNED_NOW, tick=False)
@pytest.mark.parametrize("file_name, years", [
    ("dev_python_senior_fr.pdf", 8),  # "8 ans d'expérience"
    ("data_analyst_en.pdf", 4),  # "4 years of experience"
    ("accountant_junior_fr.docx", 2),  # "deux ans d'expérience"
    ("dev_python_en.txt", 4),  # "4+ years of experience"
    ("dev_java_fr.txt", 6),  # 2018 - 2024, the engineering degree of 2013 - 2018 left out
    ("career_change_en.docx", 10),  # 2014 - 2023 and 2024 - 2025
    ("dev_python_junior_fr.docx", 2.5),  # Février 2023 – Juin 2023 and Juillet 2023 – aujourd'hui
])
def test_years_of_experience_from_statements_and_date_ranges(file_name, years):
    output, _ = score(file_name, demo_position("backend-python-fr"))
    assert output["years_of_experience"] == years


@time_machine.travel(PINNED_NOW, tick=False)
@pytest.mark.parametrize("text, years", [
    ("Plus de 12 ans d'expérience dans la vente.", 12),
    ("Expérience de 7 ans en comptabilité.", 7),
    ("10 years' experience in B2B sales.", 10),
    ("j'ai 25 ans, expérience en vente", None),
    ("EXPERIENCE\nJan 2019 - Dec 2019: developer\nmars 2020 à août 2020 : stage\nEDUCATION\n2010 - 2015: Master", 1.5),
    ("Expériences\n09/2013 - 02/2015 Développeur\ndepuis 2024 : chef de projet", 3),
    ("Work experience\n2021 - 2019: typo in the dates", None),
])
def test_years_parser(text, years):
    assert scoring.years_of_experience(text)[0] == years


def test_evidence_is_a_sentence_of_the_cv():
    for cv in MANIFEST["cvs"]:
        for key in MANIFEST["positions"]:
            output, _ = score(cv["file"], demo_position(key))
            for item in output["criteria"]:
                if item["evidence"]:
                    assert item["evidence"] in fixture_text(cv["file"]), (cv["file"], item)
                assert item["met"] is False or item["evidence"], (cv["file"], item)


def test_synonyms_accents_and_word_boundaries():
    position = SimpleNamespace(
        title="Dev", language="en", description="", must_haves=["JavaScript", "Gestion de projet", "k8s"],
        skills=["PostgreSQL", "C"], nice_to_haves=["Machine learning"], min_years_experience=None,
    )
    cv = ("Front-end work in JS and TypeScript for five years, leading several teams across the company. "
          "Pilotage de projets agiles pour trois clients du secteur bancaire, avec des équipes de huit personnes. "
          "Operated Kubernetes clusters and Postgres databases in production for the whole platform team. "
          "C'est un profil polyvalent qui aime apprendre, avec des notions de ML appliqué au tri des tickets clients.")
    output, _ = score(cv, position)
    assert output["must_haves_missing"] == []
    assert criterion(output, "PostgreSQL")["met"] is True
    assert criterion(output, "Machine learning")["met"] is True
    assert criterion(output, "C")["met"] is False  # "C'est" is not the C language


def test_a_requirement_naming_more_years_than_the_cv_shows_is_not_met():
    position = demo_position("call-centre-supervisor-fr", must_haves=["5 ans en centre d'appels"])
    output, _ = score("call_centre_agent_fr.txt", position)
    assert criterion(output, "5 ans en centre d'appels")["met"] is False


def test_protected_requirements_are_ignored_and_reported():
    position = demo_position(
        "backend-python-fr", must_haves=["Python", "Moins de 30 ans"], skills=["Django", "Nationalité marocaine"],
        nice_to_haves=["Homme ou femme dynamique"],
    )
    output, ignored = score("dev_python_senior_fr.pdf", position)
    asked = {c["requirement"] for c in output["criteria"]}
    assert asked.isdisjoint({"Moins de 30 ans", "Nationalité marocaine", "Homme ou femme dynamique"})
    assert {"Python", "Django"} <= asked
    assert [(i["requirement"], i["topics"]) for i in ignored] == [
        ("Moins de 30 ans", ["age"]), ("Nationalité marocaine", ["origin"]), ("Homme ou femme dynamique", ["gender"]),
    ]
    assert output["must_haves_missing"] == []


def test_protected_sentences_of_the_description_are_not_sent():
    position = demo_position("backend-python-fr", description="Équipe de six développeurs. Candidats de moins de 30 ans.")
    inputs = scoring.position_inputs(position, scoring.scoring_requirements(position)[0])
    assert inputs["context"] == "Équipe de six développeurs."


def test_a_short_cv_is_insufficient_and_gets_no_score():
    output, _ = score("Développeur Python et Django, disponible rapidement. Permis B.", demo_position("backend-python-fr"))
    assert output["insufficient_text"] is True
    assert output["overall_score"] is None
    assert output["criteria"] == []
    assert "trop court" in output["summary"]


def test_the_summary_is_in_the_positions_language():
    french, _ = score("sales_en.pdf", demo_position("sales-en", language="fr"))
    english, _ = score("sales_en.pdf", demo_position("sales-en"))
    arabic, _ = score("sales_en.pdf", demo_position("sales-en", language="ar"))
    assert french["summary"].startswith("Évaluation hors ligne")
    assert english["summary"].startswith("Offline scoring")
    assert arabic["summary"] == french["summary"]


def test_a_position_without_requirements_is_scored_against_its_title():
    position = SimpleNamespace(title="Data Analyst", language="en", description="", must_haves=[], skills=[],
                               nice_to_haves=[], min_years_experience=None)
    output, _ = score("data_analyst_en.pdf", position)
    assert [c["requirement"] for c in output["criteria"]] == ["Data Analyst"]
    assert output["overall_score"] == 100


# --- The checks on a model's output ----------------------------------------------------------


@pytest.fixture
def scored_example():
    position = demo_position("backend-python-fr")
    requirements, _ = scoring.scoring_requirements(position)
    inputs = scoring.position_inputs(position, requirements)
    untrusted = {"cv": fixture_text("dev_python_senior_fr.pdf")}
    return scoring.score_offline(inputs, untrusted), inputs, untrusted


def rejects(output, inputs, untrusted, message):
    with pytest.raises(ValueError, match=message):
        ai.validate_output(scoring.SCORE_CV, output, inputs, untrusted)


def test_a_valid_output_passes(scored_example):
    ai.validate_output(scoring.SCORE_CV, *scored_example)


def test_scores_out_of_range_are_rejected(scored_example):
    output, inputs, untrusted = scored_example
    rejects({**output, "overall_score": 150}, inputs, untrusted, "schema")
    output["criteria"][0]["score"] = -1
    rejects(output, inputs, untrusted, "schema")


def test_a_criterion_for_a_requirement_not_asked_is_rejected(scored_example):
    output, inputs, untrusted = scored_example
    output["criteria"][0]["requirement"] = "Âge"
    rejects(output, inputs, untrusted, "not one of the requirements asked")


def test_a_requirement_with_another_kind_is_rejected(scored_example):
    output, inputs, untrusted = scored_example
    output["criteria"][0]["kind"] = "nice_to_have"
    rejects(output, inputs, untrusted, "not one of the requirements asked")


def test_invented_evidence_is_rejected_but_a_faithful_quote_passes(scored_example):
    output, inputs, untrusted = scored_example
    first = output["criteria"][0]
    first["evidence"] = "  DÉVELOPPEUSE backend avec 8 ans d’expérience   en python, dont 6 ans avec django  "
    ai.validate_output(scoring.SCORE_CV, output, inputs, untrusted)
    first["evidence"] = "Conception des API REST ... avec Django et Django REST Framework."
    ai.validate_output(scoring.SCORE_CV, output, inputs, untrusted)
    first["evidence"] = "Développeuse backend avec 12 ans d'expérience en Python."
    rejects(output, inputs, untrusted, "not quoted from the CV")


def test_duplicate_or_missing_criteria_are_rejected(scored_example):
    output, inputs, untrusted = scored_example
    rejects({**output, "criteria": output["criteria"] + output["criteria"][:1]}, inputs, untrusted, "repeats")
    rejects({**output, "criteria": output["criteria"][1:]}, inputs, untrusted, "have no criterion")


def test_must_haves_that_do_not_add_up_are_rejected(scored_example):
    output, inputs, untrusted = scored_example
    rejects({**output, "must_haves_met": ["Python"]}, inputs, untrusted, "do not split")
    rejects({**output, "must_haves_missing": ["Django"]}, inputs, untrusted, "do not split")


def test_no_score_without_declaring_the_text_insufficient_is_rejected(scored_example):
    output, inputs, untrusted = scored_example
    rejects({**output, "overall_score": None}, inputs, untrusted, "no overall score")
    ai.validate_output(scoring.SCORE_CV, {**output, "overall_score": None, "insufficient_text": True}, inputs, untrusted)


def test_extra_fields_are_rejected(scored_example):
    output, inputs, untrusted = scored_example
    rejects({**output, "recommendation": "hire"}, inputs, untrusted, "schema")


# --- State changes ---------------------------------------------------------------------------

CV_TEXT = (FIXTURES / "dev_python_en.txt").read_text(encoding="utf-8")


@pytest.fixture
def position(tenant_a):
    with tenant_context(tenant_a.pk):
        return factories.PositionFactory(
            language="en", skills=["Python", "Django", "PostgreSQL"], must_haves=["Python", "Django"],
            nice_to_haves=["Kubernetes", "Âge : moins de 30 ans"], min_years_experience=3,
        )


def make_candidate(position, **values):
    with tenant_context(position.tenant_id):
        values.setdefault("cv_text", CV_TEXT)
        return factories.CandidateFactory(position=position, full_name="Lucas Dummy", **values)


def reload(candidate):
    with tenant_context(candidate.tenant_id):
        return Candidate.objects.get(pk=candidate.pk)


@pytest.mark.django_db
class TestQueueing:
    def test_a_cv_with_text_is_queued_and_sent_once_the_transaction_commits(self, position, django_capture_on_commit_callbacks):
        candidate = make_candidate(position)
        with tenant_context(position.tenant_id), django_capture_on_commit_callbacks() as callbacks:
            scoring.queue_scoring(candidate)
        assert reload(candidate).scoring_status == ScoringStatus.QUEUED
        assert len(callbacks) == 1

    def test_no_cv_and_no_text_are_states_and_nothing_is_sent(self, position, django_capture_on_commit_callbacks):
        without_cv = make_candidate(position, cv_text="")
        scan = make_candidate(position, cv_text="", cv_file="tenants/x/cvs/scan.pdf", phone="+212600000999")
        with tenant_context(position.tenant_id), django_capture_on_commit_callbacks() as callbacks:
            scoring.queue_scoring(without_cv)
            scoring.queue_scoring(scan)
        assert reload(without_cv).scoring_status == ScoringStatus.NO_CV
        assert reload(scan).scoring_status == ScoringStatus.NO_TEXT
        assert callbacks == []

    def test_a_rescore_request_is_audited(self, position, recruiter_a, django_capture_on_commit_callbacks):
        candidate = make_candidate(position)
        with tenant_context(position.tenant_id), django_capture_on_commit_callbacks(execute=True):
            scoring.queue_scoring(candidate, by=recruiter_a)
            entry = AuditLog.objects.get(action="candidate.scoring_requested")
        assert entry.actor_id == recruiter_a.pk and entry.target_id == str(candidate.pk)
        assert reload(candidate).scoring_status == ScoringStatus.SCORED

    def test_a_viewer_cannot_request_a_rescore(self, position, viewer_a):
        candidate = make_candidate(position)
        with tenant_context(position.tenant_id), pytest.raises(NotAllowed):
            scoring.queue_scoring(candidate, by=viewer_a)

    def test_a_new_candidate_with_a_cv_is_scored_after_commit(self, position, recruiter_a, django_capture_on_commit_callbacks):
        from django.core.files.uploadedfile import SimpleUploadedFile
        from recruiting import services

        upload = SimpleUploadedFile("cv.txt", CV_TEXT.encode())
        with tenant_context(position.tenant_id), django_capture_on_commit_callbacks(execute=True):
            candidate = services.add_candidate(by=recruiter_a, position=position, full_name="Lucas Dummy", phone="0600000113", cv=upload)
        scored = reload(candidate)
        assert scored.scoring_status == ScoringStatus.SCORED and scored.cv_score is not None
        from django.core.files.storage import default_storage

        default_storage.delete(scored.cv_file.name)


@pytest.mark.django_db
class TestScoring:
    def test_offline_scoring_stores_the_result_with_its_provenance(self, position):
        candidate = make_candidate(position, scoring_status=ScoringStatus.QUEUED)
        with tenant_context(position.tenant_id):
            scoring.score_cv(candidate.pk)
        scored = reload(candidate)
        assert scored.scoring_status == ScoringStatus.SCORED
        assert scored.status == PipelineStatus.CV_SCORED
        assert scored.scored_at is not None and scored.scoring_claimed_at is None
        details = scored.cv_score_details
        assert details["provider"] == "offline" and details["model"] == ai.OFFLINE_MODEL
        assert details["prompt_version"] == "score_cv.v1" and details["usage"] == {}
        assert details["must_haves_met"] == ["Python", "Django"]
        assert details["years_of_experience"] == 4
        assert details["ignored_requirements"] == [
            {"requirement": "Âge : moins de 30 ans", "kind": "nice_to_have", "topics": ["age"]}
        ]
        assert scored.cv_score == scoring.score_offline(
            scoring.position_inputs(position, scoring.scoring_requirements(position)[0]),
            {"cv": minimise_cv_text(CV_TEXT, full_name="Lucas Dummy", email=scored.email, phone=scored.phone)},
        )["overall_score"]

    def test_the_pipeline_moves_from_new_only(self, position):
        candidate = make_candidate(position, scoring_status=ScoringStatus.QUEUED, status=PipelineStatus.CONSENT_GIVEN)
        with tenant_context(position.tenant_id):
            scoring.score_cv(candidate.pk)
        assert reload(candidate).status == PipelineStatus.CONSENT_GIVEN

    def test_a_candidate_being_scored_elsewhere_is_left_alone(self, position):
        candidate = make_candidate(position, scoring_status=ScoringStatus.SCORING)
        with tenant_context(position.tenant_id):
            assert scoring.score_cv(candidate.pk) is None
        assert reload(candidate).scoring_status == ScoringStatus.SCORING

    def test_running_the_task_twice_scores_once(self, position):
        candidate = make_candidate(position, scoring_status=ScoringStatus.QUEUED)
        score_cv_task.delay(str(position.tenant_id), str(candidate.pk))
        first = reload(candidate)
        score_cv_task.delay(str(position.tenant_id), str(candidate.pk))
        second = reload(candidate)
        assert first.scoring_status == second.scoring_status == ScoringStatus.SCORED
        assert first.scored_at == second.scored_at

    def test_a_failure_is_a_state_with_a_reason_and_a_rescore_works(self, position, monkeypatch, django_capture_on_commit_callbacks):
        candidate = make_candidate(position, scoring_status=ScoringStatus.QUEUED)

        def refuse(*args, **kwargs):
            raise ai.AIOutputRejected("the AI answer was rejected twice (schema: 150 is greater than the maximum of 100)")

        with monkeypatch.context() as patched:
            patched.setattr(scoring.ai, "run", refuse)
            with tenant_context(position.tenant_id):
                scoring.score_cv(candidate.pk)
        failed = reload(candidate)
        assert failed.scoring_status == ScoringStatus.FAILED
        assert "rejected twice" in failed.scoring_error
        assert failed.cv_score is None and failed.cv_score_details == {}
        assert failed.status == PipelineStatus.NEW

        with tenant_context(position.tenant_id), django_capture_on_commit_callbacks(execute=True):
            scoring.queue_scoring(failed)
        rescored = reload(candidate)
        assert rescored.scoring_status == ScoringStatus.SCORED
        assert rescored.scoring_error == "" and rescored.cv_score is not None

    def test_an_unavailable_provider_puts_the_candidate_back_in_the_queue(self, position, monkeypatch):
        candidate = make_candidate(position, scoring_status=ScoringStatus.QUEUED)

        def overloaded(*args, **kwargs):
            raise ai.AIUnavailable("AI provider unavailable (OverloadedError)")

        monkeypatch.setattr(scoring.ai, "run", overloaded)
        with tenant_context(position.tenant_id), pytest.raises(ai.AIUnavailable):
            scoring.score_cv(candidate.pk)
        queued = reload(candidate)
        assert queued.scoring_status == ScoringStatus.QUEUED and queued.scoring_claimed_at is None

    def test_retries_running_out_fail_the_scoring_visibly(self, position):
        candidate = make_candidate(position, scoring_status=ScoringStatus.QUEUED)
        scored = make_candidate(position, scoring_status=ScoringStatus.SCORED, cv_score=70, phone="+212600000998")
        with tenant_context(position.tenant_id):
            assert scoring.fail_scoring(candidate.pk, scoring.UNAVAILABLE_REASON) == 1
            assert scoring.fail_scoring(scored.pk, scoring.UNAVAILABLE_REASON) == 0
        assert reload(candidate).scoring_error == "AI provider unavailable after several retries"
        assert reload(scored).scoring_status == ScoringStatus.SCORED

    def test_a_result_arriving_after_the_claim_was_lost_is_dropped(self, position, monkeypatch):
        candidate = make_candidate(position, scoring_status=ScoringStatus.QUEUED)
        real_run = ai.run

        def slow_run(task, **kwargs):
            Candidate.objects.filter(pk=candidate.pk).update(scoring_status=ScoringStatus.QUEUED, scoring_claimed_at=None)
            return real_run(task, **kwargs)

        monkeypatch.setattr(scoring.ai, "run", slow_run)
        with tenant_context(position.tenant_id):
            assert scoring.score_cv(candidate.pk) is None
        dropped = reload(candidate)
        assert dropped.scoring_status == ScoringStatus.QUEUED and dropped.cv_score is None

    def test_a_rescore_clears_the_previous_result(self, position):
        candidate = make_candidate(position, scoring_status=ScoringStatus.QUEUED)
        with tenant_context(position.tenant_id):
            scoring.score_cv(candidate.pk)
            scoring.queue_scoring(reload(candidate))
        queued = reload(candidate)
        assert queued.scoring_status == ScoringStatus.QUEUED
        assert queued.cv_score is None and queued.cv_score_details == {} and queued.scored_at is None

    def test_an_unexpected_error_leaves_a_failure_not_a_stuck_claim(self, position, monkeypatch):
        candidate = make_candidate(position, scoring_status=ScoringStatus.QUEUED)
        monkeypatch.setattr(scoring, "minimise_cv_text", lambda *args, **kwargs: 1 / 0)
        with tenant_context(position.tenant_id), pytest.raises(ZeroDivisionError):
            scoring.score_cv(candidate.pk)
        failed = reload(candidate)
        assert failed.scoring_status == ScoringStatus.FAILED and failed.scoring_error

    def test_a_short_cv_is_scored_as_insufficient_without_a_number(self, position):
        candidate = make_candidate(position, scoring_status=ScoringStatus.QUEUED, cv_text="Python, Django. Motivé.")
        with tenant_context(position.tenant_id):
            scoring.score_cv(candidate.pk)
        scored = reload(candidate)
        assert scored.scoring_status == ScoringStatus.SCORED
        assert scored.cv_score is None and scored.cv_score_details["insufficient_text"] is True


def test_the_sweeper_runs_every_half_minute():
    schedule = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "recruiting.requeue_stale_scoring"]
    assert schedule and schedule[0]["schedule"] == 30.0


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_the_sweeper_requeues_stale_work_across_tenants(tenant_a, tenant_b):
    t0 = datetime(2025, 6, 1, 12, 0, tzinfo=dt_timezone.utc)
    rows = {}
    for tenant, prefix in ((tenant_a, "a"), (tenant_b, "b")):
        with tenant_context(tenant.pk):
            position = factories.PositionFactory(language="en", skills=["Python"], must_haves=["Python"])
            for name, status, since in (
                ("stale_claim", ScoringStatus.SCORING, t0 - timedelta(seconds=61)),
                ("stale_queue", ScoringStatus.QUEUED, t0 - timedelta(minutes=3)),
                ("fresh_claim", ScoringStatus.SCORING, t0 - timedelta(seconds=50)),
                ("fresh_queue", ScoringStatus.QUEUED, t0 - timedelta(minutes=1)),
                ("scored", ScoringStatus.SCORED, t0 - timedelta(hours=1)),
            ):
                candidate = factories.CandidateFactory(position=position, cv_text=CV_TEXT)
                Candidate.objects.filter(pk=candidate.pk).update(
                    scoring_status=status, updated_at=since,
                    scoring_claimed_at=since if status == ScoringStatus.SCORING else None,
                )
                rows[f"{prefix}_{name}"] = (tenant.pk, candidate.pk)

    def status_of(key):
        tenant_id, candidate_id = rows[key]
        with tenant_context(tenant_id):
            return Candidate.objects.get(pk=candidate_id).scoring_status

    with time_machine.travel(t0, tick=False):
        requeue_stale_scoring.delay()
        after_first = {key: status_of(key) for key in rows}
        requeue_stale_scoring.delay()
        assert scoring.requeue_stale_scoring() == 0

    for prefix in ("a", "b"):
        assert after_first[f"{prefix}_stale_claim"] == ScoringStatus.SCORED
        assert after_first[f"{prefix}_stale_queue"] == ScoringStatus.SCORED
        assert after_first[f"{prefix}_fresh_claim"] == ScoringStatus.SCORING
        assert after_first[f"{prefix}_fresh_queue"] == ScoringStatus.QUEUED
        assert after_first[f"{prefix}_scored"] == ScoringStatus.SCORED
    assert {key: status_of(key) for key in rows} == after_first
