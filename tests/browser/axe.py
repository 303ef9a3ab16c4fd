"""axe-core, vendored (tests/browser/vendor/axe-core, see its README), run inside a page.

The pages' CSP allows no inline script, so the library is not added as a <script> tag: it is
evaluated through the DevTools protocol (Playwright's `evaluate`), which the CSP does not govern.
"""

from functools import cache
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")
# WCAG 2.2 A and AA, plus axe's best practices that concern the same users (landmarks, headings).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def _source():
    return AXE.read_text(encoding="utf-8")


def violations(page):
    """axe's critical and serious violations on the page as it is now, as readable lines."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", TAGS,
    )
    return [
        f"{violation['impact']}: {violation['id']} ({violation['help']}) at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        + (f" — {violation['nodes'][0].get('failureSummary', '')}" if violation["nodes"] else "")
        for violation in results["violations"] if violation["impact"] in BLOCKING
    ]
