"""Erasing a candidate also erases what higher apps derived from it (consent personal data,
recordings, transcripts). They register here; recruiting never imports them."""

_erasers = []


def register_eraser(eraser):
    """`eraser(candidate)` runs inside the erasure transaction, before the candidate row goes;
    it returns the storage paths to delete once the transaction commits."""
    if eraser not in _erasers:
        _erasers.append(eraser)
    return eraser


def run_erasers(candidate):
    paths = []
    for eraser in _erasers:
        paths.extend(eraser(candidate) or [])
    return paths
