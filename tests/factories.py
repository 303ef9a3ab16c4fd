"""One factory per model. Tenant-owned rows must be built inside `tenant_context`."""

import uuid

import factory
from django.utils import timezone

from accounts.models import AuditLog, Role, Tenant, User

DEFAULT_PASSWORD = "Correct-Horse-Battery-9"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Company {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"User {n}")
    tenant = factory.SubFactory(TenantFactory)
    role = Role.RECRUITER
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    tenant = None
    is_staff = True
    is_superuser = True


class AuditLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditLog

    action = "test.event"


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recruiting.Position"

    title = factory.Sequence(lambda n: f"Backend developer {n}")
    description = "We build telephony software in Python and Django."
    skills = factory.LazyFunction(lambda: ["Python", "Django", "PostgreSQL"])
    must_haves = factory.LazyFunction(lambda: ["Python"])
    nice_to_haves = factory.LazyFunction(lambda: ["Docker"])
    min_years_experience = 3
    language = "fr"
    status = "open"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recruiting.Question"

    position = factory.SubFactory(PositionFactory)
    order = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Tell us about a project number {n} you are proud of.")
    good_answer = "A concrete project, the candidate's own role, a measurable result."


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recruiting.Candidate"

    position = factory.SubFactory(PositionFactory)
    full_name = factory.Sequence(lambda n: f"Candidate {n}")
    email = factory.Sequence(lambda n: f"candidate{n}@example.test")
    phone = factory.Sequence(lambda n: f"+2126{n:08d}")
    timezone = "Africa/Casablanca"


class CallingHoursPolicyFactory(factory.django.DjangoModelFactory):
    """A company's calling hours: the model's defaults (settings.CALLING_HOURS) unless given."""

    class Meta:
        model = "consent.CallingHoursPolicy"


class ScriptVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recruiting.ScriptVersion"

    position = factory.SubFactory(PositionFactory)
    number = factory.Sequence(lambda n: n + 1)
    language = "fr"
    questions = factory.LazyFunction(lambda: [
        {"id": str(uuid.uuid4()), "text": f"Question {n}?", "good_answer": "", "weight": 1, "max_answer_seconds": 60}
        for n in range(3)
    ])


class InterviewFactory(factory.django.DjangoModelFactory):
    """A scheduled interview (not dialled); the script belongs to the candidate's position."""

    class Meta:
        model = "interviews.Interview"

    candidate = factory.SubFactory(CandidateFactory)
    script = factory.SubFactory(ScriptVersionFactory, position=factory.SelfAttribute("..candidate.position"))
    language = "fr"
    next_call_at = factory.LazyFunction(timezone.now)


class CallAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "interviews.CallAttempt"

    interview = factory.SubFactory(InterviewFactory)
    number = factory.Sequence(lambda n: n + 1)
    state = "ended"
    outcome = "completed"


class AnswerFactory(factory.django.DjangoModelFactory):
    """A stored answer; its audio is the storage key given (none by default)."""

    class Meta:
        model = "interviews.Answer"

    interview = factory.SubFactory(InterviewFactory)
    attempt = factory.SubFactory(CallAttemptFactory, interview=factory.SelfAttribute("..interview"))
    question_index = 0
    state = "stored"
    storage_key = factory.Sequence(lambda n: f"tenants/test/recordings/answer-{n}.wav")
