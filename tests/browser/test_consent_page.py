"""The consent page in a real browser: Debian's chromium driven by Playwright (never
`playwright install`). Accept in French, decline in Arabic (right to left); screenshots go to
test-output/screenshots/ (or $AIHM_TEST_OUTPUT/screenshots/) for people to look at.

Skipped only when chromium is absent and CI is not set; on CI a missing browser fails.
"""

import re

import pytest

from aihm.tenancy import tenant_context
from consent import services
from consent.models import ConsentRecord, Decision
from recruiting.models import Candidate, PipelineStatus
from tests import factories

# live_server serves from a thread: the test's data must be committed, and the link lookup uses
# the privileged alias.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=["default", "privileged"])]


@pytest.fixture(scope="module")
def browser(chromium):
    """The shared Chromium of tests/browser/conftest.py."""
    return chromium


@pytest.fixture
def screenshots(screenshot_folder):
    return screenshot_folder


@pytest.fixture
def open_page(browser, live_server):
    """A fresh browser page; console errors (a CSP violation, a missing file) fail the test."""
    pages, errors = [], []

    def opener(path, locale):
        page = browser.new_page(locale=locale, viewport={"width": 1100, "height": 900})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_server.url + path)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()
    assert errors == []


def consent_link(tenant, recruiter, mailoutbox, *, language, name, email):
    with tenant_context(tenant.pk):
        position = factories.PositionFactory(owner=recruiter, title="Développeur Python", language=language)
        candidate = factories.CandidateFactory(position=position, full_name=name, email=email)
        services.request_consent(candidate=candidate, by=recruiter)
    token = re.search(r"/consent/([A-Za-z0-9_-]{40,})/", mailoutbox[-1].body).group(1)
    return candidate, f"/consent/{token}/"


def test_accept_in_french_then_choose_call_times(open_page, tenant_a, recruiter_a, mailoutbox, screenshots):
    candidate, path = consent_link(tenant_a, recruiter_a, mailoutbox, language="fr", name="Zineb El Amrani", email="zineb@example.test")
    page = open_page(path, "fr-FR")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["fr", "ltr"]
    assert page.locator("h1").inner_text() == "Bonjour Zineb El Amrani,"
    assert page.get_by_text("assistant IA", exact=False).first.is_visible()
    # The stylesheets loaded under the strict CSP: the primary button has the brand colour.
    accept = page.get_by_role("button", name="J’accepte d’être appelé")
    assert accept.evaluate("button => getComputedStyle(button).backgroundColor") == "rgb(51, 70, 211)"
    page.screenshot(path=screenshots / "consent-fr-page.png", full_page=True)

    accept.click()
    page.wait_for_selector('[data-outcome="granted"]')
    assert page.locator("h1").inner_text() == "Merci, votre consentement est enregistré"
    page.locator('input[value="0-09:00-12:00"]').check()
    page.locator('input[value="4-16:00-19:00"]').check()
    page.get_by_role("button", name="Enregistrer mes horaires préférés").click()
    page.get_by_text("Vos horaires d’appel préférés sont enregistrés.").wait_for()
    assert page.locator('input[value="0-09:00-12:00"]').is_checked()
    page.screenshot(path=screenshots / "consent-fr-accepted.png", full_page=True)

    with tenant_context(tenant_a.pk):
        record = ConsentRecord.objects.get(candidate=candidate)
        assert (record.decision, record.channel, record.language) == (Decision.GRANTED, "web", "fr")
        assert record.user_agent and record.ip == "127.0.0.1"
        stored = Candidate.objects.get(pk=candidate.pk)
        assert stored.status == PipelineStatus.CONSENT_GIVEN
        assert stored.call_time_preference.windows == [
            {"weekday": 0, "start": "09:00", "end": "12:00"}, {"weekday": 4, "start": "16:00", "end": "19:00"},
        ]
        services.ensure_can_call(stored)


def test_decline_in_arabic_right_to_left(open_page, tenant_a, recruiter_a, mailoutbox, screenshots):
    candidate, path = consent_link(tenant_a, recruiter_a, mailoutbox, language="fr", name="Amal Benali", email="amal@example.test")
    page = open_page(path + "?lang=ar", "ar-MA")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    # Right to left for real: the company name sits at the right, the language switch at the left.
    brand, switch = page.locator(".public-header .brand").bounding_box(), page.locator(".public-langs").bounding_box()
    assert brand["x"] > switch["x"]
    assert page.locator(".public-langs a").all_inner_texts()[0] == "français"
    page.screenshot(path=screenshots / "consent-ar-page.png", full_page=True)

    page.get_by_role("button", name="لا أرغب في تلقي المكالمة").click()
    page.wait_for_selector('[data-outcome="declined"]')
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("h1").inner_text() == "تم تسجيل إجابتك: لن يتم الاتصال بك"
    page.screenshot(path=screenshots / "consent-ar-declined.png", full_page=True)

    with tenant_context(tenant_a.pk):
        record = ConsentRecord.objects.get(candidate=candidate)
        assert (record.decision, record.language) == (Decision.DECLINED, "ar")
        assert Candidate.objects.get(pk=candidate.pk).status == PipelineStatus.CONSENT_DECLINED
        with pytest.raises(services.ConsentMissing):
            services.ensure_can_call(candidate)


def _contrast(first, second):
    def luminance(rgb):
        channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_arabic_keeps_the_check_mark_and_times_upright_and_the_address_link_is_visible(open_page, tenant_a, recruiter_a, mailoutbox, screenshots):
    _candidate, path = consent_link(tenant_a, recruiter_a, mailoutbox, language="ar", name="Amal Benali", email="amal@example.test")
    page = open_page(path, "ar-MA")
    assert "/consent/" in page.url and path not in page.url  # the token left the address bar
    mailto = page.locator('.notice a[href^="mailto:"]')
    link_colour, decoration = mailto.evaluate("a => [getComputedStyle(a).color, getComputedStyle(a).textDecorationLine]")
    card = page.locator(".public-card").evaluate("card => getComputedStyle(card).backgroundColor")
    assert decoration == "underline" and _contrast(link_colour, card) >= 4.5

    page.get_by_role("button", name="أوافق على تلقي المكالمة").click()
    page.wait_for_selector('[data-outcome="granted"]')
    page.set_viewport_size({"width": 390, "height": 844})
    sides = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('.empty-icon-check'), '::after');
                                     return [s.borderRightWidth, s.borderLeftWidth]; }""")
    assert sides == ["3px", "0px"]  # drawn the same way as in French: a check mark, not a chevron
    first_range = page.locator(".times-grid thead bdi").first
    assert first_range.inner_text() == "09:00–12:00" and first_range.evaluate("e => e.getClientRects().length") == 1
    page.screenshot(path=screenshots / "consent-ar-accepted-390.png", full_page=True)
