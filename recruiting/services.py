"""Every state change of positions, scripts and candidates. CV scoring lives in scoring.py."""

import csv
import io

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from accounts.models import normalize_email
from accounts.services import audit
from aihm.errors import Conflict, Invalid, NotAllowed
from aihm.tenancy import current_tenant_id, tenant_context
from aihm.text import clean_display_text
from recruiting import cv as cv_files
from recruiting.erasure import run_erasers
from recruiting.models import (
    DECISIONS,
    Candidate,
    CandidateDecision,
    CandidateSource,
    ContractType,
    DecisionChoice,
    InterviewLanguage,
    PipelineStatus,
    Position,
    PositionStatus,
    Question,
    ScoringStatus,
    ScriptVersion,
    call_languages_problem,
)
from recruiting.phones import normalise_phone, timezone_for
from recruiting.protected import protected_topics, topic_labels
from recruiting.scripts import question_texts, script_languages

MIN_QUESTIONS, MAX_QUESTIONS = 3, 10
MAX_CSV_ROWS = 2000


def ensure_can_write(user):
    if not user.can_write:
        raise NotAllowed(_("Your role can read but not change anything."))


# --- Positions -------------------------------------------------------------------------------

POSITION_FIELDS = (
    "title", "description", "skills", "must_haves", "nice_to_haves", "min_years_experience",
    "location", "contract_type", "language", "call_languages", "status",
)


def _clean_list(values, field):
    if values is None:
        return []
    if isinstance(values, str):
        values = [part for part in values.replace(";", ",").replace("\n", ",").split(",")]
    if not isinstance(values, (list, tuple)):
        raise Invalid(_("Give a list of short texts."), field=field)
    cleaned = []
    for value in values:
        if not isinstance(value, str):
            raise Invalid(_("Give a list of short texts."), field=field)
        value = " ".join(value.split())
        if len(value) > 100:
            raise Invalid(_("Each item must be at most 100 characters."), field=field)
        if value and value.lower() not in {v.lower() for v in cleaned}:
            cleaned.append(value)
    if len(cleaned) > 30:
        raise Invalid(_("At most 30 items."), field=field)
    return cleaned


def clean_position_values(values):
    """The position fields given, checked and normalised; Invalid(field=...) on the first problem."""
    cleaned = {}
    for field in POSITION_FIELDS:
        if field not in values:
            continue
        value = values[field]
        if field in ("skills", "must_haves", "nice_to_haves"):
            value = _clean_list(value, field)
        elif field == "title":
            value = clean_display_text(value, "title")
            if not value:
                raise Invalid(_("The title is required."), field="title")
        elif field == "contract_type" and value not in ContractType.values:
            raise Invalid(_("Unknown contract type."), field=field)
        elif field == "language" and value not in InterviewLanguage.values:
            raise Invalid(_("The interview language must be fr, en or ar."), field=field)
        elif field == "call_languages":
            value = [] if value is None else value
            problem = call_languages_problem(value)
            if problem:
                raise Invalid(problem, field=field)
        elif field == "status" and value not in PositionStatus.values:
            raise Invalid(_("Unknown status."), field=field)
        elif field == "min_years_experience" and value is not None and not (0 <= int(value) <= 50):
            raise Invalid(_("Years of experience must be between 0 and 50."), field=field)
        cleaned[field] = value
    protected = [item for field in ("skills", "must_haves", "nice_to_haves") for item in cleaned.get(field, []) if protected_topics(item)]
    if protected:
        raise Invalid(
            _("Requirements cannot be about protected characteristics: %(items)s.") % {"items": ", ".join(protected)},
            field="must_haves",
        )
    return cleaned


def create_position(*, by, **values):
    ensure_can_write(by)
    with transaction.atomic():
        position = Position(owner=by, **clean_position_values(values))
        position.save()
        audit(by, "position.created", position)
    return position


def update_position(*, by, position, **values):
    ensure_can_write(by)
    cleaned = clean_position_values(values)
    if "language" in cleaned and cleaned["language"] != position.language and position.script_versions.exists():
        raise Conflict(_("The interview language is fixed once a script version is frozen; create a new position."), field="language")
    with transaction.atomic():
        if cleaned.get("language", position.language) != position.language:
            _swap_main_language(position, cleaned["language"])
        for field, value in cleaned.items():
            setattr(position, field, value)
        position.save()
        audit(by, "position.updated", position, fields=sorted(cleaned))
    return position


def _swap_main_language(position, language):
    """A question's `text` stays in the position's own language: when that language changes to
    one a question has a translation in, the translation becomes the text and the old text its
    translation in the old language."""
    for question in position.questions.all():
        if question.translations.get(language):
            translations = {code: text for code, text in question.translations.items() if code != language}
            translations[position.language] = question.text
            question.text, question.translations = question.translations[language], translations
            question.save(update_fields=["text", "translations", "updated_at"])


def delete_position(*, by, position):
    """Only an empty position can be deleted; one with candidates is closed or archived instead."""
    ensure_can_write(by)
    if position.candidates.exists():
        raise Conflict(_("This position has candidates: close or archive it instead of deleting it."))
    with transaction.atomic():
        audit(by, "position.deleted", position)
        position.delete()


# --- Screening script ------------------------------------------------------------------------


def _question_text(value, field, too_long):
    text = clean_display_text(value, field)
    if len(text) > 500:
        raise Invalid(too_long, field=field)
    return text


def _clean_translations(translations, position):
    """{language: text} for the position's other offered languages, texts stripped, empty ones left out."""
    if not isinstance(translations, dict):
        raise Invalid(_("Give the translations as an object: {language code: the question in that language}."), field="translations")
    cleaned = {}
    for code, value in translations.items():
        field = f"translations.{code}"
        if code not in InterviewLanguage.values:
            raise Invalid(_("Unknown language « %(code)s »: the languages are fr (French), en (English) and ar (Arabic).")
                          % {"code": code}, field=field)
        label = InterviewLanguage(code).label
        if code == position.language:
            raise Invalid(_("%(language)s is the position's own language: the question's text is in it.")
                          % {"language": label}, field=field)
        if code not in position.other_languages:
            raise Invalid(_("The calls of this position are not offered in %(language)s: add it to the position's call languages first.")
                          % {"language": label}, field=field)
        if value is not None and not isinstance(value, str):
            raise Invalid(_("The question in %(language)s must be text.") % {"language": label}, field=field)
        text = _question_text(value, field, _("The question in %(language)s is at most 500 characters.") % {"language": label})
        if text:
            cleaned[code] = text
    return cleaned


def _question_values(values, position, question=None):
    """The question fields given, checked; a new question (`question` None) needs its text."""
    cleaned = {}
    if "text" in values or question is None:
        text = _question_text(values.get("text"), "text", _("A question is at most 500 characters."))
        if not text:
            raise Invalid(_("The question is required."), field="text")
        cleaned["text"] = text
    if "translations" in values:
        cleaned["translations"] = _clean_translations(values["translations"] or {}, position)
    if "good_answer" in values:
        cleaned["good_answer"] = (values["good_answer"] or "").strip()[:2000]
    if "weight" in values:
        if not isinstance(values["weight"], int) or not 1 <= values["weight"] <= 5:
            raise Invalid(_("The weight is a whole number from 1 to 5."), field="weight")
        cleaned["weight"] = values["weight"]
    if "max_answer_seconds" in values:
        if not isinstance(values["max_answer_seconds"], int) or not 15 <= values["max_answer_seconds"] <= 300:
            raise Invalid(_("The answer length is between 15 and 300 seconds."), field="max_answer_seconds")
        cleaned["max_answer_seconds"] = values["max_answer_seconds"]
    if "text" in cleaned or "translations" in cleaned:
        text = cleaned.get("text", question.text if question else "")
        translations = cleaned.get("translations", question.translations if question else {})
        cleaned["protected_topics"] = protected_topics("\n".join([text, *translations.values()]))
    return cleaned


def add_question(*, by, position, drafted_by_ai=False, **values):
    ensure_can_write(by)
    cleaned = _question_values(values, position)
    with transaction.atomic():
        Position.objects.select_for_update().filter(pk=position.pk).first()
        if position.questions.count() >= MAX_QUESTIONS:
            raise Conflict(_("A script has at most %(n)d questions.") % {"n": MAX_QUESTIONS})
        next_order = (position.questions.aggregate(m=Max("order"))["m"] or 0) + 1
        question = Question(position=position, order=next_order, drafted_by_ai=drafted_by_ai, **cleaned)
        question.save()
        audit(by, "question.created", question, flagged=question.protected_topics)
    return question


def update_question(*, by, question, **values):
    ensure_can_write(by)
    cleaned = _question_values(values, question.position, question)
    with transaction.atomic():
        for field, value in cleaned.items():
            setattr(question, field, value)
        question.save()
        audit(by, "question.updated", question, fields=sorted(cleaned))
    return question


def delete_question(*, by, question):
    ensure_can_write(by)
    with transaction.atomic():
        audit(by, "question.deleted", question)
        question.delete()


def reorder_questions(*, by, position, question_ids):
    """Set the order of a script from the full list of its question ids."""
    ensure_can_write(by)
    current = {str(q.pk): q for q in position.questions.all()}
    wanted = [str(i) for i in question_ids]
    if sorted(wanted) != sorted(current):
        raise Invalid(_("Give every question of the script exactly once."), field="question_ids")
    with transaction.atomic():
        for order, question_id in enumerate(wanted, start=1):
            question = current[question_id]
            if question.order != order:
                question.order = order
                question.save(update_fields=["order", "updated_at"])
        audit(by, "script.reordered", position)
    return list(position.questions.all())


def move_question(*, by, question, offset):
    """Move a question up (-1) or down (+1) in its script."""
    ids = [q.pk for q in question.position.questions.all()]
    index = ids.index(question.pk)
    target = min(max(index + offset, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    return reorder_questions(by=by, position=question.position, question_ids=ids)


def draft_script_with_ai(*, by, position):
    """Append AI-drafted questions (up to the script's limit) for the recruiter to review."""
    from recruiting.drafting import draft_questions

    ensure_can_write(by)
    room = MAX_QUESTIONS - position.questions.count()
    if room <= 0:
        raise Conflict(_("The script is full: delete questions before drafting more."))
    drafted = draft_questions(position)[:room]
    created = [add_question(by=by, position=position, drafted_by_ai=True, **values) for values in drafted]
    audit(by, "script.drafted", position, count=len(created))
    return created


def script_problems(position, questions=None):
    """Why this script cannot be frozen yet, as readable sentences (empty when it can); a caller
    that already read the position's questions passes them."""
    questions = list(position.questions.all() if questions is None else questions)
    problems = []
    if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
        problems.append(_("A script needs %(min)d to %(max)d questions.") % {"min": MIN_QUESTIONS, "max": MAX_QUESTIONS})
    for number, question in enumerate(questions, start=1):
        if question.protected_topics:
            problems.append(
                _("Question %(n)d touches a protected characteristic (%(topics)s): remove or rewrite it.")
                % {"n": number, "topics": ", ".join(topic_labels(question.protected_topics))}
            )
        missing = [InterviewLanguage(code).label for code in position.other_languages if not question.translations.get(code)]
        if missing:
            problems.append(
                _("Question %(n)d has no text in %(languages)s yet: write it, or take the language out of the call languages.")
                % {"n": number, "languages": ", ".join(str(label) for label in missing)}
            )
    return problems


def _frozen_question(question, languages):
    texts = {code: question.text if code == languages[0] else question.translations[code] for code in languages}
    return {
        "id": str(question.pk), "text": question.text, "texts": texts, "good_answer": question.good_answer,
        "weight": question.weight, "max_answer_seconds": question.max_answer_seconds,
    }


def _same_script(version, language, languages, snapshot):
    """Whether a frozen version holds this script; one frozen before languages were recorded is
    read as recruiting.scripts reads it (its own language only)."""
    return (
        version.language == language
        and script_languages(version) == languages
        and [{**q, "texts": question_texts(q, version.language)} for q in version.questions] == snapshot
    )


def freeze_script(*, by, position):
    """Freeze the current questions as a numbered version, in every offered language; an
    unchanged script keeps its version."""
    questions = list(position.questions.all())
    problems = script_problems(position, questions)
    if problems:
        raise Conflict(" ".join(problems))
    languages = position.offered_languages
    snapshot = [_frozen_question(question, languages) for question in questions]
    with transaction.atomic():
        Position.objects.select_for_update().filter(pk=position.pk).first()
        latest = position.script_versions.order_by("-number").first()
        if latest and _same_script(latest, position.language, languages, snapshot):
            return latest
        version = ScriptVersion(
            position=position, number=(latest.number + 1 if latest else 1), language=position.language,
            languages=languages, questions=snapshot, frozen_by=by,
        )
        version.save()
        audit(by, "script.frozen", version, number=version.number, languages=languages)
    return version


# --- Candidates ------------------------------------------------------------------------------


class DuplicateCandidate(Conflict):
    """Same email or phone as a candidate of this company: warn and link, never a silent double."""

    def __init__(self, duplicates):
        names = ", ".join(str(c.position) for c in duplicates[:3])
        super().__init__(_("A candidate with the same email or phone already exists (%(positions)s).") % {"positions": names})
        self.duplicates = duplicates


def find_duplicates(*, email, phone, exclude=None):
    condition = Q(phone=phone) if phone else Q()
    if email:
        condition |= Q(email=email)
    if not condition:
        return []
    candidates = Candidate.objects.filter(condition).select_related("position")
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return list(candidates[:10])


def _candidate_values(values, position_language=None):
    cleaned = {}
    if "full_name" in values:
        full_name = clean_display_text(values["full_name"], "full_name")
        if not full_name:
            raise Invalid(_("The full name is required."), field="full_name")
        if len(full_name) > 200:
            raise Invalid(_("The full name is at most 200 characters."), field="full_name")
        cleaned["full_name"] = full_name
    if "email" in values:
        email = normalize_email(values["email"])
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise Invalid(_("Enter a valid email address."), field="email") from None
        cleaned["email"] = email
    if "phone" in values:
        cleaned["phone"] = normalise_phone(values["phone"])
    if "phone" in cleaned or values.get("timezone"):
        cleaned["timezone"] = timezone_for(cleaned.get("phone") or values.get("phone"), values.get("timezone") or None)
    if "notes" in values:
        cleaned["notes"] = (values["notes"] or "")[:5000]
    return cleaned


def _store_cv(candidate, upload, content):
    """Save the file under a fresh tenant-prefixed key; returns the old key to delete after commit."""
    old_key = candidate.cv_file.name or None
    candidate.cv_content_type = content.content_type
    candidate.cv_filename = (getattr(upload, "name", "") or "cv")[-255:]
    candidate.cv_size = upload.size
    candidate.cv_text = content.text
    upload.seek(0)
    candidate.cv_file.save("cv", upload, save=False)
    return old_key


def _delete_files_after_commit(paths):
    paths = [p for p in paths if p]
    if paths:
        transaction.on_commit(lambda: [default_storage.delete(p) for p in paths])


def add_candidate(*, by, position, cv=None, source=CandidateSource.DASHBOARD, allow_duplicate=False, **values):
    """Add a candidate (with an optional CV, checked and read now, scored in the background)."""
    from recruiting.scoring import queue_scoring

    ensure_can_write(by)
    if position.status in (PositionStatus.CLOSED, PositionStatus.ARCHIVED):
        raise Conflict(_("This position is closed: reopen it to add candidates."))
    for required in ("full_name", "phone"):
        values.setdefault(required, "")
    cleaned = _candidate_values(values)
    content = cv_files.read_cv(cv) if cv is not None else None
    if not allow_duplicate:
        duplicates = find_duplicates(email=cleaned.get("email"), phone=cleaned["phone"])
        if duplicates:
            raise DuplicateCandidate(duplicates)
    candidate = Candidate(position=position, source=source, created_by=by, **cleaned)
    candidate.tenant_id = position.tenant_id
    try:
        with transaction.atomic():
            if content is not None:
                _store_cv(candidate, cv, content)
            candidate.save()
            audit(by, "candidate.created", candidate, source=source, with_cv=content is not None)
            queue_scoring(candidate)
    except Exception:
        if candidate.cv_file.name:
            default_storage.delete(candidate.cv_file.name)
        raise
    return candidate


def update_candidate(*, by, candidate, allow_duplicate=False, **values):
    ensure_can_write(by)
    cleaned = _candidate_values(values)
    if not allow_duplicate and ("email" in cleaned or "phone" in cleaned):
        duplicates = find_duplicates(email=cleaned.get("email", candidate.email), phone=cleaned.get("phone", candidate.phone), exclude=candidate)
        if duplicates:
            raise DuplicateCandidate(duplicates)
    with transaction.atomic():
        for field, value in cleaned.items():
            setattr(candidate, field, value)
        candidate.save()
        audit(by, "candidate.updated", candidate, fields=sorted(cleaned))
    return candidate


def replace_cv(*, by, candidate, cv):
    from recruiting.scoring import queue_scoring

    ensure_can_write(by)
    content = cv_files.read_cv(cv)
    with transaction.atomic():
        old_key = _store_cv(candidate, cv, content)
        candidate.save()
        audit(by, "candidate.cv_replaced", candidate)
        queue_scoring(candidate)
        _delete_files_after_commit([old_key])
    return candidate


def decide(*, by, candidate, decision, comment="", reason_to_reject=False):
    """The human decision on a candidate, with an optional comment; the AI only advises. Each one
    is kept (`CandidateDecision`); shortlisted, rejected and hired become the candidate's status,
    "on hold" records the decision and leaves the status where it is. It can be changed later.
    `reason_to_reject`: a rejection needs its comment (the pipeline board asks for one)."""
    ensure_can_write(by)
    if decision not in DecisionChoice.values:
        raise Invalid(_("The decision is shortlisted, rejected, hired or on hold."), field="decision")
    comment = (comment or "").strip()
    if reason_to_reject and decision == DecisionChoice.REJECTED and not comment:
        raise Invalid(_("Say why the candidate is rejected: the comment stays with the decision."), field="comment")
    if len(comment) > 2000:
        raise Invalid(_("The comment is at most 2000 characters."), field="comment")
    if comment:
        clean_display_text(comment, "comment")  # refuses invisible and direction characters; the line breaks stay
    with transaction.atomic():
        previous = candidate.status
        CandidateDecision.objects.create(candidate=candidate, decision=decision, comment=comment, decided_by=by)
        fields = ["decision", "decided_by", "decided_at", "updated_at"]
        if decision in DECISIONS:
            candidate.status = decision
            fields.append("status")
        candidate.decision = decision
        candidate.decided_by = by
        candidate.decided_at = timezone.now()
        candidate.save(update_fields=fields)
        # The comment's words stay on the decision, not in the audit log.
        audit(by, "candidate.decided", candidate, decision=decision, previous=previous, with_comment=bool(comment))
    return candidate


def erase_candidate(*, by, candidate, system=False):
    """Erase a candidate: the row, its files and everything derived; the audit keeps the id only.
    `system=True` is the retention task, acting without a user (`by` is None)."""
    if not system:
        ensure_can_write(by)
    with transaction.atomic():
        paths = [candidate.cv_file.name] + run_erasers(candidate)
        candidate_id = candidate.pk
        audit(by, "candidate.erased", candidate)
        candidate.delete()
        _delete_files_after_commit(paths)
    return candidate_id


# --- CSV import and export -------------------------------------------------------------------

CSV_COLUMNS = {
    "full_name": ("full_name", "name", "nom", "nom complet", "full name", "candidat", "candidate"),
    "email": ("email", "e-mail", "courriel", "mail"),
    "phone": ("phone", "téléphone", "telephone", "tel", "tél", "mobile", "phone number"),
    "timezone": ("timezone", "time zone", "fuseau horaire", "fuseau"),
    "notes": ("notes", "note", "commentaire", "comments"),
}


CSV_DELIMITERS = (";", ",", "\t")
# Only the notes may hold a line break; one in another column means a quote was left open.
MULTILINE_FIELDS = {"notes"}


def _column_positions(header):
    positions = {}
    for index, name in enumerate(header):
        key = name.strip().lower()
        for field, aliases in CSV_COLUMNS.items():
            if key in aliases and field not in positions:
                positions[field] = index
    return positions


def _read_header(first_line):
    """The header's delimiter, cells and known columns. The delimiter is the one that makes the
    first line name the most known columns, so that no later line can change the guess."""
    best = None
    for delimiter in CSV_DELIMITERS:
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            raise Invalid(_("The first line of the CSV file cannot be read as a header row."), field="file") from None
        positions = _column_positions(cells)
        if best is None or (len(positions), len(cells)) > (len(best[2]), len(best[1])):
            best = (delimiter, cells, positions)
    return best


def _csv_records(lines, delimiter, positions):
    """(line number, cells, problem) for each record after the header. A line that cannot be read
    is reported with its reason and reading resumes on the next line, so a malformed line costs
    that line only. A cell past csv's field limit refuses the whole file: what follows is unreadable."""
    single_line = [i for field, i in positions.items() if field not in MULTILINE_FIELDS]
    index = 1
    while index < len(lines):
        reader = csv.reader((lines[i] for i in range(index, len(lines))), delimiter=delimiter)
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise Invalid(
                    _("Line %(line)d has a cell longer than %(size)s, so nothing was imported. A quote opened "
                      "and never closed does this: check that line.")
                    % {"line": index + 1, "size": filesizeformat(csv.field_size_limit())},
                    field="file",
                ) from None
            yield index + 1, None, _("This line cannot be read as CSV: check its quotes.")
            index += 1
            continue
        spans = max(reader.line_num, 1)
        if spans > 1 and any(i < len(cells) and ("\n" in cells[i] or "\r" in cells[i]) for i in single_line):
            yield index + 1, None, _("A quote opened on this line is never closed; the lines after it were read on their own.")
            index += 1
            continue
        yield index + 1, cells, None
        index += spans


def _extra_cells_problem(cells, header, delimiter):
    if any(cell.strip() for cell in cells[len(header):]):
        return _(
            "This line has %(found)d cells where the header row has %(expected)d: a value probably holds "
            "the separator « %(separator)s » without quotes around it."
        ) % {"found": len(cells), "expected": len(header), "separator": _("tab") if delimiter == "\t" else delimiter}
    return None


def _read_csv_rows(upload):
    """[(line, {field: value} or None, problem)] from an uploaded CSV; Invalid(field="file") when the
    file as a whole cannot be read."""
    from django.conf import settings

    if not getattr(upload, "size", 0):
        raise Invalid(_("The CSV file is empty."), field="file")
    if upload.size > settings.CSV_MAX_BYTES:
        raise Invalid(_("The CSV file is too large."), field="file")
    text = cv_files.decode_text(upload.read())
    if text is None or "\x00" in text:
        raise Invalid(_("This is not a CSV file."), field="file")
    lines = list(io.StringIO(text, newline=""))
    if not lines or not lines[0].strip():
        raise Invalid(_("The CSV file has no header row."), field="file")
    delimiter, header, positions = _read_header(lines[0])
    missing = [f for f in ("full_name", "phone") if f not in positions]
    if missing:
        found = ", ".join(f"« {cell.strip()} »" for cell in header if cell.strip()) or "—"
        raise Invalid(
            _("The CSV file needs the columns: %(columns)s. Its first line names: %(found)s.")
            % {"columns": ", ".join(missing), "found": found},
            field="file",
        )
    rows = []
    for line, cells, problem in _csv_records(lines, delimiter, positions):
        if cells is not None and not any(cell.strip() for cell in cells):
            continue
        problem = problem or _extra_cells_problem(cells, header, delimiter)
        values = None if problem else {field: (cells[i].strip() if i < len(cells) else "") for field, i in positions.items()}
        rows.append((line, values, problem))
        if len(rows) > MAX_CSV_ROWS:
            raise Invalid(_("At most %(n)d rows per import.") % {"n": MAX_CSV_ROWS}, field="file")
    return rows


def import_candidates_csv(*, by, position, upload):
    """Add every valid row, refuse the others with a reason; each row is added whole or not at all.

    Returns [{"line", "status": "added"|"refused", "reason", "candidate_id", "duplicate_of"}].
    """
    ensure_can_write(by)
    if position.status in (PositionStatus.CLOSED, PositionStatus.ARCHIVED):
        raise Conflict(_("This position is closed: reopen it to add candidates."))
    report, accepted, seen = [], [], {}
    for line, row, problem in _read_csv_rows(upload):
        entry = {"line": line, "full_name": (row or {}).get("full_name", "")}
        try:
            if problem:
                raise Invalid(problem)
            cleaned = _candidate_values(row)
            keys = [k for k in (cleaned.get("email"), cleaned["phone"]) if k]
            earlier = next((seen[k] for k in keys if k in seen), None)
            if earlier:
                raise Invalid(_("Same email or phone as line %(line)d of this file.") % {"line": earlier})
            duplicates = find_duplicates(email=cleaned.get("email"), phone=cleaned["phone"])
            if duplicates:
                entry["duplicate_of"] = str(duplicates[0].pk)
                raise Invalid(_("Already a candidate (same email or phone)."))
        except Invalid as error:
            entry.update(status="refused", reason=error.message)
            report.append(entry)
            continue
        for key in keys:
            seen[key] = line
        entry.update(status="added", reason="")
        accepted.append((entry, cleaned))
        report.append(entry)
    with transaction.atomic():
        for entry, cleaned in accepted:
            candidate = Candidate(position=position, source=CandidateSource.CSV, created_by=by,
                                  scoring_status=ScoringStatus.NO_CV, **cleaned)
            candidate.save()
            entry["candidate_id"] = str(candidate.pk)
        audit(by, "candidates.imported", position, added=len(accepted), refused=len(report) - len(accepted))
    return report


EXPORT_COLUMNS = ("full_name", "email", "phone", "timezone", "status", "cv_score", "scoring_status", "source", "created_at")
EXPORT_LABELS = {"status": PipelineStatus, "scoring_status": ScoringStatus, "source": CandidateSource}
# Excel reads the list separator of the system's language: a semicolon in French, a comma in English.
EXPORT_DELIMITERS = {"semicolon": ";", "comma": ","}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def default_export_delimiter(user):
    """The separator Excel expects for this user: semicolon in French, comma otherwise."""
    return "semicolon" if user.language == "fr" else "comma"


def _export_cell(field, value):
    if field in EXPORT_LABELS:
        return str(dict(EXPORT_LABELS[field].choices).get(value, value))
    if field == "created_at":
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


def export_candidates_csv(*, by, position=None, candidate_ids=None, delimiter=None):
    """Rows of a position's candidates (or of the candidates chosen by id) as CSV lines for Excel,
    streamed: UTF-8 with a BOM, column names and statuses in the user's language, cells that a
    spreadsheet would run neutralised. `delimiter` is "semicolon" or "comma"; by default the one
    the user's Excel expects."""
    if not by.can_write:
        raise NotAllowed(_("Your role cannot export candidates."))
    delimiter = delimiter or default_export_delimiter(by)
    if delimiter not in EXPORT_DELIMITERS:
        raise Invalid(_("The separator is semicolon or comma."), field="delimiter")
    language = by.language
    chosen = Candidate.objects.filter(position=position) if position is not None else Candidate.objects.filter(pk__in=list(candidate_ids))
    if position is not None:
        audit(by, "candidates.exported", position, delimiter=delimiter)
    else:
        audit(by, "candidates.exported", delimiter=delimiter, candidates=len(candidate_ids))
    tenant_id = current_tenant_id()
    writer = csv.writer(_Echo(), delimiter=EXPORT_DELIMITERS[delimiter])

    def lines():
        # Streamed after the view has returned, so outside the request's tenant context.
        with tenant_context(tenant_id), translation.override(language):
            header = [capfirst(Candidate._meta.get_field(field).verbose_name) for field in EXPORT_COLUMNS]
            yield "\ufeff" + writer.writerow(header)
            rows = chosen.order_by("created_at").values_list(*EXPORT_COLUMNS)
            for row in rows.iterator(chunk_size=500):
                yield writer.writerow([neutralise_cell(_export_cell(field, value)) for field, value in zip(EXPORT_COLUMNS, row)])

    return lines()
