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
    return [render_to_string(template, context(candidate, request.user), request=request) for template, context in _panels]
