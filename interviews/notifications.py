"""Emails to the recruiter who scheduled an interview: its report is ready, or it failed (with the
reason and a link). Sent after the commit, best effort: a provider outage is logged, never raised
into the pipeline, and the dashboard shows the same state."""

import logging
from smtplib import SMTPException

from anymail.exceptions import AnymailError
from django.conf import settings
from django.urls import reverse

from aihm.mail import send_templated
from interviews.models import AnalysisState, Interview, InterviewAnalysis, Recommendation

logger = logging.getLogger(__name__)


def report_url(interview):
    return settings.FRONTEND_URL + reverse("interviews:report", args=[interview.pk])


def interview_url(interview):
    return settings.FRONTEND_URL + reverse("interviews:detail", args=[interview.pk])


def _recipient(interview):
    user = interview.created_by
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
    user = _recipient(analysis.interview)
    if user is None:
        return False
    return _send("report_ready", analysis.interview, user, {
        "analysis": analysis, "url": report_url(analysis.interview), "recommendation": Recommendation(analysis.recommendation).label if analysis.recommendation else "",
    })


def interview_failed(interview_id, reason):
    interview = Interview.objects.select_related("created_by", "candidate__position").filter(pk=interview_id).first()
    if interview is None:
        return False
    user = _recipient(interview)
    if user is None:
        return False
    return _send("interview_failed", interview, user, {"reason": reason, "url": interview_url(interview)})
