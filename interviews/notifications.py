"""The recruiter who scheduled an interview is told when its report is ready, or when it failed or
the candidate could not be reached (with the reason and a link): a line in their dashboard inbox
and an email. Sent after the commit, best effort: a provider outage is logged, never raised into
the pipeline, and the dashboard shows the same state."""

import logging
from smtplib import SMTPException

from anymail.exceptions import AnymailError
from django.conf import settings
from django.urls import reverse

from aihm.mail import send_templated
from interviews.models import AnalysisState, Interview, InterviewAnalysis, InterviewState, Recommendation
from recruiting import inbox
from recruiting.models import NotificationKind

logger = logging.getLogger(__name__)


def report_url(interview):
    return settings.FRONTEND_URL + reverse("interviews:report", args=[interview.pk])


def interview_url(interview):
    return settings.FRONTEND_URL + reverse("interviews:detail", args=[interview.pk])


def _tell_scheduler(interview, kind, link, detail=""):
    """A line in the scheduler's inbox; returns them when an email can reach them too."""
    user = interview.created_by
    inbox.notify(user=user, kind=kind, candidate=interview.candidate, link=link, detail=detail)
    if user is None or not user.is_active or not user.email:
        return None
    return user


def _send(template, interview, user, context):
    try:
        send_templated(f"interviews/email/{template}", to=user.email, language=user.language or settings.LANGUAGE_CODE,
                       context={"interview": interview, "candidate_name": interview.candidate.full_name,
                                "position": interview.candidate.position.title, "user": user, **context})
    except (AnymailError, SMTPException, OSError) as error:
        logger.warning("the %s email could not be sent: %s", template, type(error).__name__)
        return False
    return True


def report_ready(analysis_id):
    analysis = (InterviewAnalysis.objects.select_related("interview__created_by", "interview__candidate__position")
                .filter(pk=analysis_id, state=AnalysisState.DONE).first())
    if analysis is None:
        return False
    user = _tell_scheduler(analysis.interview, NotificationKind.REPORT_READY, reverse("interviews:report", args=[analysis.interview_id]))
    if user is None:
        return False
    return _send("report_ready", analysis.interview, user, {
        "analysis": analysis, "url": report_url(analysis.interview), "recommendation": Recommendation(analysis.recommendation).label if analysis.recommendation else "",
    })


def interview_failed(interview_id, reason):
    interview = Interview.objects.select_related("created_by", "candidate__position").filter(pk=interview_id).first()
    if interview is None:
        return False
    kind = NotificationKind.INTERVIEW_UNREACHABLE if interview.state == InterviewState.UNREACHABLE else NotificationKind.INTERVIEW_FAILED
    user = _tell_scheduler(interview, kind, reverse("interviews:detail", args=[interview.pk]), detail=reason)
    if user is None:
        return False
    return _send("interview_failed", interview, user, {"reason": reason, "url": interview_url(interview)})
