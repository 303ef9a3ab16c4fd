"""Panels that higher apps add to the candidate page (consent now, the interviews later).

They register here from their AppConfig.ready(); recruiting never imports them.
"""

from django.template.loader import render_to_string

_panels = []


def register_candidate_panel(template, context):
    """`context(candidate, user) -> dict` feeds `template`, rendered on the candidate page."""
    if (template, context) not in _panels:
        _panels.append((template, context))


def render_candidate_panels(request, candidate):
    """Each panel rendered; a read that several panels make (the latest consent decision, the
    preferred call times) goes through `shared_read` and is made once for the page."""
    candidate._panel_reads = {}
    try:
        return [render_to_string(template, context(candidate, request.user), request=request) for template, context in _panels]
    finally:
        del candidate._panel_reads


def shared_read(candidate, key, read):
    """`read()`, made once per candidate page while its panels render (every time elsewhere)."""
    memo = getattr(candidate, "_panel_reads", None)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def remember(candidate, key, value):
    """Give the panels still to render a value this one has read already."""
    memo = getattr(candidate, "_panel_reads", None)
    if memo is not None:
        memo[key] = value


_row_cells = []


def register_candidate_row_cell(header, cells):
    """A column that a higher app adds to the candidate lists: `cells(candidates) -> {pk: html}`
    renders it for one page of candidates, in a constant number of queries."""
    if (header, cells) not in _row_cells:
        _row_cells.append((header, cells))


def candidate_row_cells(candidates):
    """(headers, candidates) for one page: each candidate gets `extra_cells`, one per column."""
    candidates = list(candidates)
    rendered = [cells(candidates) for _header, cells in _row_cells]
    for candidate in candidates:
        candidate.extra_cells = [column.get(candidate.pk, "") for column in rendered]
    return [header for header, _cells in _row_cells], candidates
