"""Every dashboard page, the sign-in and sign-up pages and the public consent page, in Chromium at
390, 1024 and 1366 px: no critical or serious axe-core violation, no sideways scrolling, a header
whose items never overlap (the menu folds away below 1200 px and opens without script), and
screenshots of the header and the candidate page for people to look at."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aihm.tenancy import tenant_context
from consent import services as consent_services
from recruiting import demo, scoring
from recruiting import services as recruiting_services
from tests import factories
from tests.browser.axe import violations
from tests.browser.conftest import session_cookie
from tests.interviews_support import finished_interview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=["default", "privileged"])]

WIDTHS = (390, 1024, 1366)
MENU_FOLDS_BELOW = 1200


@pytest.fixture
def company(tenant_a, admin_a, recruiter_a, mailoutbox, settings):
    """A position with its script, a scored candidate with a long name who was asked for consent,
    as a recruiter's first day would leave them; the consent link as the candidate got it."""
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a, title="Développeur·se Python/Django senior", status="open")
        factories.QuestionFactory(position=position, order=1)
        factories.QuestionFactory(position=position, order=2)
        cv = SimpleUploadedFile("CV Marie-Christine.pdf", (demo.CV_DIR / "dev_python_senior_fr.pdf").read_bytes())
        candidate = recruiting_services.add_candidate(
            by=recruiter_a, position=position, cv=cv, full_name="Marie-Christine Benali-Dupont de la Fontaine",
            email="marie-christine.benali-dupont.delafontaine@exemple-entreprise.test", phone="06 12 34 56 78",
        )
        scoring.score_cv(candidate.pk)
        consent_services.request_consent(candidate=candidate, by=recruiter_a)
        factories.CandidateFactory(position=position, full_name="Sara Idrissi", cv_score=None)
        factories.QuestionFactory(position=position, order=3)
        consenting = factories.CandidateFactory(position=position, full_name="Youssef Amrani-Bennani El Fassi")
        consent_services.record_recruiter_consent(candidate=consenting, by=recruiter_a, note="Agreed by phone.")
        interview = factories.InterviewFactory(candidate=factories.CandidateFactory(position=position), state="partial")
        factories.AnswerFactory(interview=interview, attempt__outcome="dropped", duration_seconds=42)
    settings.ANTHROPIC_API_KEY = ""
    reported = finished_interview(tenant_a, recruiter_a)  # transcribed and analysed offline: a report
    request_mail = next(m for m in mailoutbox if candidate.email in m.to)
    token = re.search(r"/consent/([A-Za-z0-9_-]{40,})/", request_mail.body).group(1)
    return {"position": position, "candidate": candidate, "consent_path": f"/consent/{token}/",
            "consenting": consenting, "interview": interview, "reported": reported}


@pytest.fixture
def visit(chromium, live_server):
    """Open a path at a width, signed in as `user` (or not); console errors fail the test."""
    contexts, errors = [], []

    def opener(path, width, user=None, locale="fr-FR"):
        context = chromium.new_context(locale=locale, viewport={"width": width, "height": 900})
        if user is not None:
            context.add_cookies([session_cookie(user, live_server)])
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: errors.append(f"{path}: {message.text}") if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(f"{path}: {error}"))
        response = page.goto(live_server.url + path)
        assert response.status == 200, (path, response.status)
        return page

    yield opener
    for context in contexts:
        context.close()
    assert errors == []


def report(problems):
    return "\n".join(f"{name}: {line}" for name, lines in problems.items() for line in lines)


def dashboard_paths(company):
    position, candidate = company["position"], company["candidate"]
    return {
        "home": "/",
        "positions": "/positions/",
        "position": f"/positions/{position.pk}/",
        "script": f"/positions/{position.pk}/script/",
        "candidates": "/candidates/",
        "position-candidates": f"/positions/{position.pk}/candidates/?ordering=-cv_score",
        "candidate": f"/candidates/{candidate.pk}/",
        "import": f"/positions/{position.pk}/candidates/import/",
        "consent-overview": f"/consent/positions/{position.pk}/",
        "team": "/accounts/team/",
        "audit-log": "/accounts/audit/",
        "profile": "/accounts/profile/",
        "retention": "/consent/settings/retention/",
        "calling-hours": "/consent/settings/calling-hours/",
        "call-policy": "/settings/calls/",
        "candidate-to-call": f"/candidates/{company['consenting'].pk}/",
        "interview": f"/interviews/{company['interview'].pk}/",
        "report": f"/interviews/{company['reported'].pk}/report/",
        "board": f"/positions/{position.pk}/board/",
        "notifications": "/notifications/",
    }


def assert_fits_the_width(page, where):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    widest = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)"
        ".slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert widths[0] <= widths[1], f"{where} scrolls sideways: {widths[0]} px wide in a {widths[1]} px window ({widest})"


def boxes(page, selector):
    """Bounding boxes of the visible elements matching `selector`."""
    found = []
    for element in page.locator(selector).all():
        if element.is_visible():
            box = element.bounding_box()
            if box and box["width"] and box["height"]:
                found.append((element.evaluate("e => e.className || e.tagName"), box))
    return found


def overlapping(items):
    pairs = []
    for index, (name_a, a) in enumerate(items):
        for name_b, b in items[index + 1:]:
            if a["x"] < b["x"] + b["width"] - 0.5 and b["x"] < a["x"] + a["width"] - 0.5 \
                    and a["y"] < b["y"] + b["height"] - 0.5 and b["y"] < a["y"] + a["height"] - 0.5:
                pairs.append((name_a, name_b))
    return pairs


HEADER_ITEMS = ".topbar .brand, .topbar .nav-toggle-label, .topbar .nav-links a, .topbar .nav-end .badge, " \
               ".topbar .lang-switch, .topbar .nav-user, .topbar .nav-end form.inline-form button"


def assert_header_is_tidy(page, width):
    """Every header item inside the window, none over another, each link on one line."""
    if width < MENU_FOLDS_BELOW:
        assert not page.locator(".nav").is_visible(), "the menu is folded on a narrow screen"
        page.locator(".nav-toggle-label").click()  # the CSS-only menu opens without any script
        assert page.locator(".nav").is_visible()
    items = boxes(page, HEADER_ITEMS)
    assert len(items) >= 8, items
    assert overlapping(items) == []
    for name, box in items:
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{name} is cut off at {width} px: {box}"
    for name, box in boxes(page, ".topbar .nav-links a"):
        assert box["height"] < 48, f"{name} wraps onto two lines at {width} px"
    assert_fits_the_width(page, f"the header at {width} px")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_dashboard_page_passes_axe_and_fits_the_width(visit, company, admin_a, width):
    problems = {}
    for name, path in dashboard_paths(company).items():
        page = visit(path, width, admin_a)
        assert_fits_the_width(page, f"{name} at {width} px")
        found = violations(page)
        if found:
            problems[name] = found
        page.close()
    assert problems == {}, report(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_header_items_never_overlap_for_an_admin_in_french_and_english(visit, company, admin_a, width, screenshot_folder):
    for locale in ("fr-FR", "en-GB"):
        page = visit("/candidates/", width, admin_a, locale=locale)
        page.locator(".topbar").screenshot(path=screenshot_folder / f"header-{locale[:2]}-{width}.png")
        assert_header_is_tidy(page, width)
        if width < MENU_FOLDS_BELOW:
            page.locator(".topbar").screenshot(path=screenshot_folder / f"header-{locale[:2]}-{width}-menu-open.png")
            assert violations(page) == []  # the open menu too
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_candidate_page_fits_the_width(visit, company, recruiter_a, width, screenshot_folder):
    page = visit(f"/candidates/{company['candidate'].pk}/", width, recruiter_a)

    assert_fits_the_width(page, f"the candidate page at {width} px")
    page.screenshot(path=screenshot_folder / f"candidate-{width}.png", full_page=True)
    for name, path in {"candidate-to-call": f"/candidates/{company['consenting'].pk}/",
                       "interview": f"/interviews/{company['interview'].pk}/",
                       "report": f"/interviews/{company['reported'].pk}/report/"}.items():
        page = visit(path, width, recruiter_a)
        assert_fits_the_width(page, f"the {name} page at {width} px")
        page.screenshot(path=screenshot_folder / f"{name}-{width}.png", full_page=True)


@pytest.mark.parametrize("locale", ["fr-FR", "en-GB"])
def test_the_candidate_tables_show_every_column_at_1366_px(visit, company, recruiter_a, locale, screenshot_folder):
    """On a laptop screen the lists need no sideways scrolling inside their card (narrower screens
    scroll the table in its own region)."""
    for name, path in {"candidates": "/candidates/", "position-candidates": f"/positions/{company['position'].pk}/candidates/"}.items():
        page = visit(path, 1366, recruiter_a, locale=locale)
        table = page.locator(".table-wrap")
        inner, outer = table.evaluate("e => [e.scrollWidth, e.clientWidth]")
        page.screenshot(path=screenshot_folder / f"{name}-1366-{locale}.png", full_page=True)
        assert inner <= outer, f"{name} ({locale}): the table is {inner} px wide in a {outer} px card"
        edges = page.evaluate("['#main', '.footer-inner'].map(s => Math.round(document.querySelector(s).getBoundingClientRect().left))")
        assert edges[0] == edges[1], f"{name}: the footer is not aligned with the page ({edges})"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_home_pages_charts_are_drawn_and_fit_the_width(visit, company, recruiter_a, width, screenshot_folder):
    page = visit("/?period=all", width, recruiter_a)

    assert_fits_the_width(page, f"the home page at {width} px")
    for chart in page.locator("svg.chart").all():
        box = chart.bounding_box()
        assert box["width"] > 250 and box["height"] > 100, box
    assert page.locator("svg.chart").count() == 5
    page.locator("#chart-funnel details summary").click()  # the figures open without script
    assert page.locator("#chart-funnel details table").is_visible()
    assert violations(page) == []
    page.screenshot(path=screenshot_folder / f"home-{width}.png", full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_sign_in_sign_up_and_the_consent_page_pass_axe_and_fit_the_width(visit, company, width):
    problems = {}
    for name, path in {"login": "/accounts/login/", "signup": "/accounts/signup/", "consent": company["consent_path"]}.items():
        page = visit(path, width)
        assert_fits_the_width(page, f"{name} at {width} px")
        found = violations(page)
        if found:
            problems[name] = found
        page.close()
    assert problems == {}, report(problems)


def test_keyboard_focus_is_a_visible_ring_with_enough_contrast(visit, company, admin_a):
    page = visit("/candidates/", 1366, admin_a)

    page.locator("#id_q").focus()
    field = page.locator("#id_q").evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }")
    page.keyboard.press("Tab")  # on to the next control, by keyboard, so :focus-visible applies
    page.keyboard.press("Shift+Tab")
    page.get_by_role("button", name="Rechercher").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    button = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth, s.outlineColor]; })()")

    assert field[0] == "solid" and float(field[1].removesuffix("px")) >= 2 and field[2] == "rgb(51, 70, 211)"
    assert button[0] == "BUTTON" and button[1] == "solid" and float(button[2].removesuffix("px")) >= 2
    assert button[3] == "rgb(51, 70, 211)"  # the brand blue: 7.1:1 on white, 6.5:1 on the page
