"""Retention: how far back "no activity for N months" reaches, and the purgers of higher apps.

Consent applies the "other data" period itself (candidates without activity are erased through
recruiting's erase_candidate). Apps above consent that keep data with their own period (the
interview pipeline's recordings, `recordings_days`) register a purger here; consent never
imports them.
"""

import calendar

_purgers = []


def register_purger(purger):
    """`purger(policy, now)` runs inside the tenant's context and returns {what: count} for the
    audit log (counts only, never names)."""
    if purger not in _purgers:
        _purgers.append(purger)
    return purger


def run_purgers(policy, now):
    counts = {}
    for purger in _purgers:
        counts.update(purger(policy, now) or {})
    return counts


def months_before(moment, months):
    """The same day and time `months` calendar months earlier (the 31st becomes the month's last day)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
