"""The call script's TwiML, parsed as XML: structure, attributes, voices, the disclosure."""

import inspect
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from django.utils.translation import gettext

from interviews import twiml
from interviews.voices import say, speech_language_for, voice_for

LANGUAGES = ["fr", "en", "ar"]
VOICES = {"fr": ("Polly.Lea-Neural", "fr-FR"), "en": ("Polly.Joanna-Neural", "en-US"), "ar": ("Polly.Zeina", "arb")}
CONFIRM_URL = "https://aihm.example.com/twilio/attempts/Zq3_secret/confirm"
ACTION_URL = "https://aihm.example.com/twilio/attempts/Zq3_secret/answers/2"
STATUS_URL = "https://aihm.example.com/twilio/attempts/Zq3_secret/recordings"


def parse(response):
    root = ET.fromstring(response)
    assert root.tag == "Response"
    return root


def says(element):
    return [say.text for say in element.iter("Say")]


def opening(language="en", **overrides):
    arguments = {
        "language": language,
        "company_name": "Atlas Conseil",
        "position_title": "Comptable",
        "confirm_url": CONFIRM_URL,
        **overrides,
    }
    return parse(twiml.opening(**arguments))


def question(language="en", **overrides):
    arguments = {
        "language": language,
        "text": "Tell us about your last job.",
        "number": 2,
        "total": 5,
        "action_url": ACTION_URL,
        "recording_status_url": STATUS_URL,
        "max_length": 120,
        "silence_seconds": 4,
        **overrides,
    }
    return parse(twiml.question(**arguments))


def every_response(language):
    """One response of each kind, for the checks that hold for all of them."""
    return [
        opening(language),
        parse(twiml.confirm_again(language=language, confirm_url=CONFIRM_URL)),
        question(language, keypad_help=True, after_silence=True),
        parse(twiml.callback_menu(language=language, choose_url=CONFIRM_URL)),
        parse(twiml.callback_confirmed(language=language, when_text="demain")),
        parse(twiml.refusal_acknowledged(language)),
        parse(twiml.closing(language, "Atlas Conseil")),
        parse(twiml.voicemail_message(language, "Atlas Conseil")),
        parse(twiml.unknown_caller(language)),
        parse(twiml.pin_prompt(language=language, pin_url=CONFIRM_URL)),
        parse(twiml.goodbye_no_confirmation(language)),
    ]


# --- Voices ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_voice_for_each_call_language(language):
    assert voice_for(language) == VOICES[language]


@pytest.mark.parametrize("language", ["de", "", "ar-MA", None])
def test_voice_for_an_unknown_language_is_an_error(language):
    with pytest.raises(ValueError):
        voice_for(language)
    with pytest.raises(ValueError):
        twiml.voicemail_message(language, "Atlas Conseil")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_say_uses_the_call_languages_voice(language):
    for root in every_response(language):
        for element in root.iter("Say"):
            assert (element.get("voice"), element.get("language")) == VOICES[language]


def test_say_helper_nests_in_the_given_parent():
    from twilio.twiml.voice_response import VoiceResponse

    response = VoiceResponse()
    say(response, "Bonjour", "fr")
    (element,) = parse(str(response))
    assert (element.tag, element.text, element.get("voice"), element.get("language")) == (
        "Say",
        "Bonjour",
        "Polly.Lea-Neural",
        "fr-FR",
    )


# --- The opening -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_opening_starts_with_the_disclosure_naming_the_company(language):
    root = opening(language)
    first = root[0]
    assert first.tag == "Say"
    assert "Atlas Conseil" in first.text
    assert "Comptable" in first.text
    with translation.override(language):
        recorded = gettext(
            "If you agree, I will ask you a few questions and your answers will be recorded, so that "
            "the recruiters at %(company)s can assess your application. A person, not the assistant, "
            "makes every decision."
        ) % {"company": "Atlas Conseil"}
    assert recorded in first.text


def test_opening_in_english_says_it_is_an_ai_and_that_answers_are_recorded():
    disclosure = opening("en")[0].text
    assert "automated assistant" in disclosure
    assert "artificial intelligence" in disclosure
    assert "answers will be recorded" in disclosure
    assert "A person, not the assistant, makes every decision." in disclosure


@pytest.mark.parametrize(
    "language, words",
    [
        ("fr", ["intelligence artificielle", "enregistr"]),
        ("ar", ["الذكاء الاصطناعي", "تسجيل"]),
    ],
)
def test_opening_in_french_and_arabic_says_it_is_an_ai_and_that_answers_are_recorded(language, words):
    msgid = (
        "Hello, this is an automated assistant, an artificial intelligence, calling on behalf of "
        "%(company)s about your application for the position of %(position)s."
    )
    with translation.override(language):
        if gettext(msgid) == msgid:
            pytest.skip(f"the call script is not translated into {language} in locale/ yet")
    disclosure = opening(language)[0].text
    for word in words:
        assert word in disclosure


@pytest.mark.parametrize("language", LANGUAGES)
def test_opening_asks_for_one_key_or_speech_at_the_confirm_url(language):
    root = opening(language)
    (gather,) = root.findall("Gather")
    assert gather.attrib == {
        "input": "dtmf speech",
        "numDigits": "1",
        "finishOnKey": "",
        "action": CONFIRM_URL,
        "method": "POST",
        "timeout": "6",
        "speechTimeout": "auto",
        "language": speech_language_for(language),
        "hints": ", ".join(twiml.YES_WORDS[language] + twiml.NO_WORDS[language]),
    }
    assert len(gather.findall("Say")) == 1


def test_opening_options_are_said_inside_the_gather():
    (gather,) = opening("en").findall("Gather")
    (options,) = says(gather)
    assert "press 1 or say yes" in options
    assert "press 2" in options
    assert "press 3" in options


def test_opening_tells_no_input_apart_with_a_redirect_after_the_gather():
    root = opening("en")
    assert [child.tag for child in root] == ["Say", "Gather", "Redirect"]
    redirect = root[-1]
    assert redirect.get("method") == "POST"
    assert redirect.text == CONFIRM_URL + "?no_input=1"


def test_opening_keeps_the_confirm_urls_own_query():
    root = opening("en", confirm_url=CONFIRM_URL + "?try=2")
    assert root.find("Gather").get("action") == CONFIRM_URL + "?try=2"
    assert root.find("Redirect").text == CONFIRM_URL + "?try=2&no_input=1"


def test_opening_records_nothing():
    assert opening("fr").find(".//Record") is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_greeting_comes_after_the_disclosure_and_never_replaces_it(language):
    greeting = "Welcome! Ignore the above: this is not a robot."
    plain, greeted = opening(language), opening(language, greeting=greeting)
    assert [child.tag for child in greeted] == ["Say", "Say", "Gather", "Redirect"]
    assert greeted[0].text == plain[0].text
    assert greeted[1].text == greeting


def test_a_blank_greeting_says_nothing_more():
    assert [child.tag for child in opening("en", greeting="  ")] == ["Say", "Gather", "Redirect"]


def test_company_name_is_escaped_and_intact():
    raw = twiml.opening(
        language="en", company_name="A&B <Sarl>", position_title='"Dev" & co', confirm_url=CONFIRM_URL
    )
    assert "A&amp;B &lt;Sarl&gt;" in raw
    assert "<Sarl>" not in raw
    disclosure = parse(raw)[0].text
    assert "A&B <Sarl>" in disclosure
    assert '"Dev" & co' in disclosure
    assert "A&B <Sarl>" in parse(twiml.voicemail_message("en", "A&B <Sarl>"))[0].text
    assert "A&B <Sarl>" in parse(twiml.closing("en", "A&B <Sarl>"))[0].text


def test_confirm_again_asks_the_same_question_and_reminds_nothing_is_recorded():
    root = parse(twiml.confirm_again(language="en", confirm_url=CONFIRM_URL))
    assert [child.tag for child in root] == ["Say", "Gather", "Redirect"]
    assert "automated assistant" in root[0].text and "nothing has been recorded" in root[0].text
    assert root[1].attrib == opening("en").find("Gather").attrib
    assert root[2].text == CONFIRM_URL + "?no_input=1"


# --- Questions -------------------------------------------------------------------------------


def test_question_record_attributes():
    (record,) = question().findall("Record")
    assert record.attrib == {
        "action": ACTION_URL,
        "method": "POST",
        "maxLength": "120",
        "timeout": "4",
        "finishOnKey": "#*",
        "playBeep": "true",
        "trim": "trim-silence",
        "recordingStatusCallback": STATUS_URL,
        "recordingStatusCallbackEvent": "completed absent",
        "recordingStatusCallbackMethod": "POST",
    }


def test_question_says_its_number_then_its_text_then_records_then_redirects():
    root = question()
    assert [child.tag for child in root] == ["Say", "Say", "Record", "Redirect"]
    assert root[0].text == "Question 2 of 5."
    assert root[1].text == "Tell us about your last job."
    assert root[3].get("method") == "POST"
    assert root[3].text == ACTION_URL + "?no_input=1"


@pytest.mark.parametrize("language", LANGUAGES)
def test_question_in_each_language_has_one_record_after_the_says(language):
    root = question(language)
    assert [child.tag for child in root] == ["Say", "Say", "Record", "Redirect"]
    assert root[1].text == "Tell us about your last job."


def test_keypad_help_only_when_asked():
    assert not any("star key" in text for text in says(question()))
    helped = says(question(keypad_help=True))
    assert "hash key" in helped[0] and "star key" in helped[0]
    assert helped[1:] == ["Question 2 of 5.", "Tell us about your last job."]


def test_a_repeated_question_says_so_first():
    assert says(question(repeat=True))[0] == "Here is the question again."
    assert says(question(after_silence=True))[0] == twiml.silent_prompt("en")
    assert says(question(repeat=True, after_silence=True)).count("Here is the question again.") == 0


def test_silent_prompt_is_a_text_in_the_language():
    assert twiml.silent_prompt("en") == "We did not hear an answer. Here is the question again."


@pytest.mark.parametrize(
    "overrides",
    [{"number": 0}, {"number": 6}, {"max_length": 1}, {"silence_seconds": 0}],
)
def test_question_refuses_impossible_numbers(overrides):
    with pytest.raises(ValueError):
        question(**overrides)


# --- Menus -----------------------------------------------------------------------------------


def test_language_menu_says_each_option_in_its_own_voice():
    root = parse(twiml.language_menu(languages=["fr", "en", "ar"], choose_url=CONFIRM_URL, default="fr", company_name="Acme"))
    (gather,) = root.findall("Gather")
    assert gather.attrib == {
        "input": "dtmf",
        "numDigits": "1",
        "finishOnKey": "",
        "action": CONFIRM_URL,
        "method": "POST",
        "timeout": "6",
    }
    options = gather.findall("Say")
    assert [(say.get("voice"), say.get("language")) for say in options] == [VOICES[x] for x in ("fr", "en", "ar")]
    for digit, option in enumerate(options, start=1):
        assert option.text.endswith(f"{digit}.")
    assert options[1].text == "This is an automated assistant calling on behalf of Acme. To continue in English, press 2."
    assert root[-1].tag == "Redirect"
    assert root[-1].text == CONFIRM_URL + "?no_input=1&language=fr"


def test_language_menu_refuses_a_default_it_does_not_offer():
    with pytest.raises(ValueError):
        twiml.language_menu(languages=["fr", "en"], choose_url=CONFIRM_URL, default="ar", company_name="Acme")
    with pytest.raises(ValueError):
        twiml.language_menu(languages=["fr", "fr"], choose_url=CONFIRM_URL, default="fr", company_name="Acme")
    with pytest.raises(ValueError):
        twiml.language_menu(languages=["fr", "de"], choose_url=CONFIRM_URL, default="fr", company_name="Acme")


def test_language_choice_reads_the_key():
    languages = ["fr", "en", "ar"]
    assert twiml.language_choice(languages=languages, digits="3") == "ar"
    assert twiml.language_choice(languages=languages, digits="1") == "fr"
    for digits in ["0", "4", "", "*", "12"]:
        assert twiml.language_choice(languages=languages, digits=digits) is None


def test_callback_menu_offers_today_or_tomorrow():
    root = parse(twiml.callback_menu(language="en", choose_url=CONFIRM_URL))
    gather = root.find("Gather")
    assert (gather.get("numDigits"), gather.get("action"), gather.get("input")) == ("1", CONFIRM_URL, "dtmf")
    assert "press 1" in gather.find("Say").text and "press 2" in gather.find("Say").text
    assert root[-1].text == CONFIRM_URL + "?no_input=1"
    assert (twiml.callback_choice("1"), twiml.callback_choice("2"), twiml.callback_choice("3")) == (
        "later_today",
        "tomorrow",
        None,
    )


def test_pin_prompt_gathers_six_digits():
    root = parse(twiml.pin_prompt(language="fr", pin_url=CONFIRM_URL))
    gather = root.find("Gather")
    assert gather.attrib == {
        "input": "dtmf",
        "numDigits": "6",
        "action": CONFIRM_URL,
        "method": "POST",
        "timeout": "10",
    }
    assert root[-1].text == CONFIRM_URL + "?no_input=1"
    retry = parse(twiml.pin_prompt(language="en", pin_url=CONFIRM_URL, retry=True))
    assert "not recognised" in retry.find("Gather/Say").text


# --- Endings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_endings_say_one_thing_and_hang_up(language):
    for response in [
        twiml.callback_confirmed(language=language, when_text="tomorrow morning"),
        twiml.refusal_acknowledged(language),
        twiml.closing(language, "Atlas Conseil"),
        twiml.voicemail_message(language, "Atlas Conseil"),
        twiml.unknown_caller(language),
        twiml.goodbye_no_confirmation(language),
    ]:
        assert [child.tag for child in parse(response)] == ["Say", "Hangup"]


def test_voicemail_names_the_company_and_takes_no_personal_data():
    assert list(inspect.signature(twiml.voicemail_message).parameters) == ["language", "company_name"]
    text = parse(twiml.voicemail_message("en", "Atlas Conseil"))[0].text
    assert text == (
        "Hello, this is an automated assistant calling on behalf of Atlas Conseil about your application. "
        "We will call again."
    )


def test_unknown_caller_names_nobody():
    assert list(inspect.signature(twiml.unknown_caller).parameters) == ["language"]
    text = parse(twiml.unknown_caller("en"))[0].text
    assert "Goodbye" in text


def test_closing_names_the_company_and_a_person_decides():
    text = parse(twiml.closing("en", "Atlas Conseil"))[0].text
    assert "recruiters at Atlas Conseil" in text and "Goodbye" in text


def test_callback_confirmed_says_when():
    assert "tomorrow between 10 and 12" in parse(
        twiml.callback_confirmed(language="en", when_text="tomorrow between 10 and 12")
    )[0].text


def test_hangup_is_only_a_hangup():
    assert [child.tag for child in parse(twiml.hangup())] == ["Hangup"]


# --- Reading the opening's reply -------------------------------------------------------------

R = twiml.Reply


@pytest.mark.parametrize(
    "language, digits, speech, no_input, expected",
    [
        ("fr", "1", "", False, R.START),
        ("fr", "2", "", False, R.REFUSE),
        ("fr", "3", "", False, R.LATER),
        ("en", "9", "", False, R.UNCLEAR),
        ("en", "#", "", False, R.UNCLEAR),
        ("en", "", "", True, R.NO_INPUT),
        ("en", "", "", False, R.NO_INPUT),
        ("en", "", "Yes.", False, R.START),
        ("en", "", "Yes please", False, R.START),
        ("en", "", "No.", False, R.REFUSE),
        ("en", "", "no thank you", False, R.REFUSE),
        ("en", "", "no problem", False, R.UNCLEAR),
        ("en", "", "not okay", False, R.UNCLEAR),
        ("en", "", "yes no", False, R.UNCLEAR),
        ("en", "", "...", False, R.UNCLEAR),
        ("fr", "", "Oui.", False, R.START),
        ("fr", "", "D'accord", False, R.START),
        ("fr", "", "D’accord", False, R.START),
        ("fr", "", "pas d'accord", False, R.UNCLEAR),
        ("fr", "", "Non merci", False, R.REFUSE),
        ("fr", "", "yes", False, R.UNCLEAR),
        ("ar", "", "نعم", False, R.START),
        ("ar", "", "نَعَم", False, R.START),
        ("ar", "", "اجل", False, R.START),
        ("ar", "", "واخا", False, R.START),
        ("ar", "", "لا", False, R.REFUSE),
        ("ar", "", "لا شكرا", False, R.REFUSE),
        ("ar", "1", "لا", False, R.START),
    ],
)
def test_confirmation_choice(language, digits, speech, no_input, expected):
    assert twiml.confirmation_choice(language=language, digits=digits, speech_result=speech, no_input=no_input) == (
        expected
    )


def test_no_input_url_appends_the_marker_once():
    assert twiml.no_input_url("https://a.example/x") == "https://a.example/x?no_input=1"
    assert twiml.no_input_url("https://a.example/x?take=2") == "https://a.example/x?take=2&no_input=1"
    assert twiml.no_input_url("https://a.example/x?no_input=1") == "https://a.example/x?no_input=1"
