"""Reads that deserve a name, with their joins and counts done in a fixed number of queries."""

from django.db.models import Count, Q

from recruiting.models import Candidate, PipelineStatus, Position


def positions_list(*, search="", status=""):
    positions = Position.objects.select_related("owner").annotate(candidate_count=Count("candidates"))
    if search:
        positions = positions.filter(Q(title__icontains=search) | Q(location__icontains=search))
    if status:
        positions = positions.filter(status=status)
    return positions.order_by("-created_at")


def funnel_counts(position):
    """{status: count} for every pipeline status, zeros included."""
    counts = dict(position.candidates.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in PipelineStatus.values}


def candidates_for_position(position, *, search="", status="", scoring=""):
    candidates = Candidate.objects.filter(position=position).select_related("position")
    if search:
        candidates = candidates.filter(Q(full_name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search))
    if status:
        candidates = candidates.filter(status=status)
    if scoring:
        candidates = candidates.filter(scoring_status=scoring)
    return candidates.order_by("-created_at")


def all_candidates(*, search="", status=""):
    candidates = Candidate.objects.select_related("position")
    if search:
        candidates = candidates.filter(Q(full_name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search))
    if status:
        candidates = candidates.filter(status=status)
    return candidates.order_by("-created_at")
