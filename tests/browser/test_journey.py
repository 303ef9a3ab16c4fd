"""A recruiter's whole hiring round in Debian's Chromium, through the pages only, on the embedded
defaults (offline AI, simulated calls, the bundled Whisper model, Celery eager): sign up, open a
position and let the AI draft its script, import candidates from CSV, ask one for consent (who
accepts on a phone-sized screen), schedule the call, read the report and play an answer, download
the PDF, shortlist by dragging the card on the board, and see it all on the home page's charts and
in the inbox.

A screenshot after each step goes to test-output/screenshots/journey-NN-<step>.png; every page's
console errors, script errors and CSP violations fail the test at the end."""

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases=["default", "privileged"])]

RECRUITER_LOCALE = "en-GB"
CANDIDATE_LOCALE = "fr-FR"
PASSWORD = "Tr0ub4dor&3-horse-battery"
CANDIDATES_CSV = (
    "full_name;email;phone\n"
    "Yasmine Alaoui;yasmine.alaoui@example.test;06 12 34 56 78\n"
    "Omar Tazi;omar.tazi@example.test;+212 661 22 33 44\n"
)
CANDIDATE = "Yasmine Alaoui"
CANDIDATE_EMAIL = "yasmine.alaoui@example.test"
# The call, its transcription by faster-whisper and the analysis run inside the schedule request.
PIPELINE_TIMEOUT_MS = 240_000

# Added to every page before its own scripts: CSP violations are reported to the test through a
# DevTools binding, which the page's CSP does not govern.
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', event => window.aihmCspViolation(
  `${event.violatedDirective} blocked ${event.blockedURI || 'inline code'} (${event.sourceFile || location.pathname}:${event.lineNumber})`));
"""


@pytest.fixture
def offline(settings):
    """The embedded defaults, whatever the environment holds: offline AI, simulated telephony
    placing calls at any hour."""
    settings.ANTHROPIC_API_KEY = ""
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = settings.TWILIO_FROM_NUMBER = ""
    settings.SIMULATED_CALLS_KEEP_CALLING_HOURS = False
    from interviews.telephony import _twilio_client

    _twilio_client.cache_clear()
    yield settings
    _twilio_client.cache_clear()


@pytest.fixture
def watched(chromium):
    """Browser contexts whose pages report console errors, script errors and CSP violations
    (with the page they happened on); the test asserts there are none."""
    contexts, problems = [], []

    def new_context(**options):
        context = chromium.new_context(**options)
        context.set_default_timeout(15_000)
        context.expose_binding("aihmCspViolation", lambda source, text: problems.append(f"CSP violation on {source['page'].url}: {text}"))
        context.add_init_script(REPORT_CSP_VIOLATIONS)

        def watch(page):
            page.on("console", lambda message: problems.append(f"console error on {page.url}: {message.text}")
                    if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))

        context.on("page", watch)
        contexts.append(context)
        return context

    yield new_context, problems
    for context in contexts:
        context.close()


def shoot(page, folder, number, step):
    """A full-page screenshot, once the page is known not to scroll sideways."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{step}: the page scrolls sideways ({widths[0]} px wide in a {widths[1]} px window)"
    page.evaluate("window.scrollTo(0, 0)")  # or the sticky header is drawn mid-page
    page.screenshot(path=folder / f"journey-{number:02d}-{step}.png", full_page=True)


def path_of(page, live_server):
    return page.url.removeprefix(live_server.url).split("?")[0]


def test_a_recruiters_whole_hiring_round(watched, offline, live_server, mailoutbox, screenshot_folder, tmp_path):
    new_context, problems = watched
    started = time.monotonic()
    recruiter = new_context(locale=RECRUITER_LOCALE, viewport={"width": 1366, "height": 900})
    page = recruiter.new_page()
    main_nav = page.get_by_role("navigation", name="Main navigation")

    # 1. A new company signs up and lands on the dashboard home.
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Company name").fill("Atlas Talents")
    page.get_by_label("Your full name").fill("Nadia Berrada")
    page.get_by_label("Work email").fill("nadia@atlas-talents.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm the password").fill(PASSWORD)
    page.get_by_role("button", name="Create the account").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_text("Welcome to AIHM! Your company account is ready.")).to_be_visible()
    expect(page.locator(".nav-user-company")).to_have_text("Atlas Talents")
    shoot(page, screenshot_folder, 1, "signed-up")

    # 2. A position, its questions drafted offline by the AI, the script frozen.
    main_nav.get_by_role("link", name="Positions").click()
    page.get_by_role("link", name="New position").first.click()
    page.get_by_label("Title").fill("Développeur Python / Django")
    page.get_by_label("Description").fill(
        "We build web services in Python and Django for recruiters in Casablanca and Paris. "
        "You design APIs, write tests and run PostgreSQL in production with the team.")
    page.get_by_label("Must-haves").fill("Python\nDjango")
    page.get_by_label("Skills", exact=True).fill("PostgreSQL, REST APIs, automated tests")
    page.get_by_label("Years of experience").fill("3")
    page.get_by_label("Location").fill("Casablanca")
    page.get_by_label("Interview language").select_option(label="French")
    page.get_by_label("Status").select_option(label="Open")
    page.get_by_role("button", name="Create the position").click()
    expect(page).to_have_url(re.compile(r"/positions/[0-9a-f-]{36}/script/$"))
    position_path = path_of(page, live_server).removesuffix("script/")
    expect(page.get_by_role("heading", name="No questions yet")).to_be_visible()

    page.get_by_role("button", name="Draft with AI (offline drafting)").click()
    expect(page.get_by_text(re.compile(r"\d+ questions drafted"))).to_be_visible()
    questions = page.locator(".question-list .question-text")
    expect(questions.first).to_be_visible()
    drafted = questions.all_inner_texts()
    assert len(drafted) >= 3 and all(text.strip() for text in drafted), drafted
    expect(page.locator(".question-list").get_by_text("Drafted by the AI").first).to_be_visible()
    page.get_by_role("button", name="Freeze script").click()
    expect(page.get_by_text("Version 1 of the script is frozen.")).to_be_visible()
    expect(page.get_by_role("complementary").get_by_text("Version 1", exact=True)).to_be_visible()
    shoot(page, screenshot_folder, 2, "script-frozen")

    # 3. Two candidates imported from a CSV file.
    page.locator(".breadcrumb").get_by_role("link", name="Développeur Python / Django").click()
    expect(page).to_have_url(live_server.url + position_path)
    expect(page.locator(".question-summary li")).to_have_count(len(drafted))
    page.get_by_role("link", name="Import CSV").click()
    csv_file = tmp_path / "candidats.csv"
    csv_file.write_text(CANDIDATES_CSV, encoding="utf-8")
    page.get_by_label("CSV file", exact=True).set_input_files(csv_file)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Import report")).to_be_visible()
    expect(page.get_by_text("2 candidates added")).to_be_visible()
    page.get_by_role("link", name="See the candidates").click()
    for name in (CANDIDATE, "Omar Tazi"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    shoot(page, screenshot_folder, 3, "candidates-imported")

    # 4. The consent request, sent with the bulk action, accepted by the candidate on her phone.
    candidates_path = path_of(page, live_server)
    page.get_by_label(f"Select {CANDIDATE}").check()
    page.get_by_label("With the selected candidates").select_option(label="Send consent requests")
    page.get_by_role("button", name="Apply to the ticked candidates").click()
    expect(page.get_by_role("heading", name="Send consent requests")).to_be_visible()
    result_row = page.get_by_role("row").filter(has=page.get_by_role("link", name=CANDIDATE))
    expect(result_row.get_by_text("Done", exact=True)).to_be_visible()
    shoot(page, screenshot_folder, 4, "consent-requested")

    [request_mail] = [mail for mail in mailoutbox if CANDIDATE_EMAIL in mail.to]
    consent_path = re.search(r"/consent/[A-Za-z0-9_-]{40,}/", request_mail.body).group(0)
    phone = new_context(locale=CANDIDATE_LOCALE, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    candidate_page = phone.new_page()
    candidate_page.goto(live_server.url + consent_path)
    expect(candidate_page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {CANDIDATE},")
    expect(candidate_page.locator(".notice")).to_contain_text("Atlas Talents")
    expect(candidate_page.get_by_text("assistant IA").first).to_be_visible()
    shoot(candidate_page, screenshot_folder, 5, "consent-notice-390")
    candidate_page.get_by_role("button", name="J’accepte d’être appelé").click()
    expect(candidate_page.locator('[data-outcome="granted"]')).to_be_visible()
    expect(candidate_page.get_by_role("heading", level=1)).to_have_text("Merci, votre consentement est enregistré")
    shoot(candidate_page, screenshot_folder, 6, "consent-accepted-390")

    # 5. The interview, scheduled from the candidate's page: the simulated candidate answers, the
    # answers are transcribed and analysed inline; the list shows the report is ready.
    page.goto(live_server.url + candidates_path)
    page.get_by_role("link", name=CANDIDATE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CANDIDATE)
    expect(page.locator("#consent")).to_have_attribute("data-consent-status", "granted")
    interview_panel = page.locator("#interview")
    expect(interview_panel.get_by_label("As soon as calling hours allow")).to_be_checked()
    interview_panel.get_by_label("Simulated candidate").select_option("good")
    shoot(page, screenshot_folder, 7, "ready-to-schedule")
    scheduling = time.monotonic()
    with page.expect_navigation(timeout=PIPELINE_TIMEOUT_MS):
        interview_panel.get_by_role("button", name="Schedule the phone interview").click(timeout=PIPELINE_TIMEOUT_MS)
    call_seconds = time.monotonic() - scheduling

    page.locator(".breadcrumb").get_by_role("link", name="Candidates").click()
    expect(page).to_have_url(live_server.url + candidates_path)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=CANDIDATE, exact=True))
    expect(row.locator('[data-pipeline-status="report_ready"]')).to_be_visible(timeout=PIPELINE_TIMEOUT_MS)
    expect(row.get_by_role("link", name="Report ready")).to_be_visible()
    expect(row.get_by_text(re.compile(r"\d(\.\d)? / 5"))).to_be_visible()  # the interview score
    shoot(page, screenshot_folder, 8, "report-ready-in-list")

    # 6. The report: an answer's recording plays, the transcript and the advice are there.
    row.get_by_role("link", name="Report ready").click()
    expect(page).to_have_url(re.compile(r"/interviews/[0-9a-f-]{36}/report/$"))
    expect(page.get_by_text("The AI advises; you decide.")).to_be_visible()
    transcript = page.locator("blockquote.transcript").first
    expect(transcript).to_be_visible()
    assert len(transcript.inner_text().split()) >= 3, transcript.inner_text()
    recording = page.locator("audio").first
    expect(recording).to_be_visible()
    recording.evaluate("audio => audio.play()")
    page.wait_for_function("audio => audio.currentTime > 0", arg=recording.element_handle())
    recording.evaluate("audio => audio.pause()")
    shoot(page, screenshot_folder, 9, "report")

    # 7. The PDF of the report.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = download_info.value
    with open(pdf.path(), "rb") as downloaded:
        assert downloaded.read(5) == b"%PDF-", pdf.suggested_filename
    assert pdf.suggested_filename.endswith(".pdf"), pdf.suggested_filename
    shoot(page, screenshot_folder, 10, "pdf-downloaded")

    # 8. The decision, on the pipeline board: the card moves to the Shortlisted column.
    page.goto(live_server.url + position_path)
    page.get_by_role("link", name="Pipeline board").click()
    expect(page).to_have_url(live_server.url + position_path + "board/")
    # The report is ready: the card waits in the "Report ready" column.
    card = page.locator('section[aria-labelledby="column-report_ready"] .board-card').filter(
        has=page.get_by_role("link", name=CANDIDATE, exact=True))
    expect(card).to_be_visible()
    expect(card).to_contain_text(re.compile(r"Interview \d\.\d/5"))
    # Dragged onto Rejected with no comment, the card stays and asks for the reason...
    grip = card.locator(".board-card-scores")  # a card is picked up by its text, not by its form's fields
    grip.drag_to(page.locator('section[aria-labelledby="column-rejected"]'))
    expect(page.locator("#board-announcer")).to_contain_text(f"Write why you reject {CANDIDATE}")
    expect(card.get_by_label("Comment (needed to reject)")).to_be_focused()
    expect(page).to_have_url(live_server.url + position_path + "board/")
    # ...dragged onto Shortlisted, it moves there, and the board comes back scrolled to that column.
    shortlisted = page.locator('section[aria-labelledby="column-shortlisted"]')
    grip.drag_to(shortlisted)
    expect(page).to_have_url(live_server.url + position_path + "board/#column-shortlisted")
    expect(shortlisted.get_by_role("link", name=CANDIDATE, exact=True)).to_be_visible()
    expect(shortlisted.get_by_role("heading")).to_contain_text("1")
    expect(page.locator(".board-card").filter(has=page.get_by_role("link", name=CANDIDATE, exact=True))).to_have_count(1)
    expect(shortlisted).to_be_in_viewport()  # the board scrolls sideways inside its own region
    shoot(page, screenshot_folder, 11, "shortlisted-on-board")

    # 9. The home page's charts over all time: one call completed, one interview, one shortlisted.
    main_nav.get_by_role("link", name="Home").click()
    page.get_by_role("navigation", name="Period").get_by_role("link", name=re.compile("all", re.IGNORECASE)).click()
    expect(page).to_have_url(live_server.url + "/?period=all")
    completed = page.locator(".kpi").filter(has=page.get_by_text("Interviews completed", exact=True))
    expect(completed.locator(".kpi-value")).to_have_text("1")
    funnel = page.locator("#chart-funnel")
    funnel.get_by_text("Show the figures").click()
    figures = funnel.locator("details table")
    expect(figures).to_be_visible()
    expect(figures.get_by_role("row", name=re.compile(r"^Shortlisted\b")).get_by_role("cell").first).to_have_text("1")
    expect(figures.get_by_role("row", name=re.compile(r"^Report ready\b")).get_by_role("cell").first).to_have_text("1")
    expect(figures.get_by_role("row", name=re.compile(r"^New\b")).get_by_role("cell").first).to_have_text("2")
    drawn = dict(zip(funnel.locator("svg text.chart-label").all_text_contents(), funnel.locator("svg text.chart-value").all_text_contents()))
    assert drawn.get("Shortlisted", "").startswith("1 ") and drawn.get("New") == "2", drawn  # the bars' own figures
    calls = page.locator("#chart-calls")
    calls.get_by_text("Show the figures").click()
    expect(calls.get_by_role("row", name=re.compile(r"^Completed\b")).get_by_role("cell").first).to_have_text("1")
    shoot(page, screenshot_folder, 12, "home-charts")

    # The inbox: the consent received and the report ready.
    main_nav.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page).to_have_url(live_server.url + "/notifications/")
    inbox = page.locator(".inbox")
    expect(inbox.get_by_text("Report ready", exact=True)).to_be_visible()
    expect(inbox.get_by_text("Consent received", exact=True)).to_be_visible()
    expect(inbox).to_contain_text(CANDIDATE)
    shoot(page, screenshot_folder, 13, "notifications")

    print(f"\nthe journey took {time.monotonic() - started:.0f} s, the scheduled call with its transcription and analysis {call_seconds:.0f} s")
    assert problems == [], "\n".join(problems)
