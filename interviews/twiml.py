"""The call script as TwiML: pure functions, no database, no AI, every URL given by the caller.

Each function answers one webhook with `str(VoiceResponse)`. Every spoken text is a gettext
string said in the call's language ("fr", "en", "ar") with that language's voice
(`interviews.voices`); the SDK escapes the XML. The functions at the end read the caller's
reply (digits, Twilio's speech result) back into a choice, so the words the recogniser is hinted
with and the words understood live in one place.

How a webhook tells "nothing came" apart: a <Gather> that gets no input, and a <Record> that gets
no audio, do not request their action URL; Twilio goes on to the next verb. Every Gather and
Record here is therefore followed by a <Redirect method="POST"> to the same action URL with
`no_input=1` added to its query (`NO_INPUT_PARAM`), which Twilio signs like any URL. A request
whose query has `no_input=1` means "timed out, nothing entered"; one without it carries
`Digits` / `SpeechResult` (Gather) or `RecordingSid` / `Digits` (Record).
"""

import enum
import re
import unicodedata
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.utils import translation
from django.utils.translation import gettext as _
from twilio.twiml.voice_response import VoiceResponse

from interviews.voices import say, speech_language_for, voice_for

NO_INPUT_PARAM = "no_input"
LANGUAGE_PARAM = "language"
FINISH_KEY = "#"
REPEAT_KEY = "*"
RECORDING_STATUS_EVENTS = "completed absent"  # Twilio: in-progress, completed, absent
CONFIRM_TIMEOUT = 6
PIN_LENGTH = 6

# The words Twilio's recogniser is hinted with, and the only ones the confirmation understands.
YES_WORDS = {
    "fr": ("oui", "ouais", "d'accord", "ok"),
    "en": ("yes", "yeah", "yep", "sure", "ok", "okay"),
    "ar": ("نعم", "أجل", "إيه", "واخا", "موافق"),
}
NO_WORDS = {
    "fr": ("non",),
    "en": ("no", "nope"),
    "ar": ("لا",),
}
# Words that may follow a plain "no" without changing it ("non merci", "no thanks").
_POLITE_WORDS = {"merci", "thanks", "thank", "you", "شكرا"}
# Words that turn a "yes" word around ("pas d'accord", "not okay").
_NEGATIONS = {"pas", "not", "dont", "لا"}


class Reply(enum.StrEnum):
    """What the caller answered to the opening's question."""

    START = "start"  # 1, or a plain yes
    REFUSE = "refuse"  # 2, or a plain no
    LATER = "later"  # 3
    NO_INPUT = "no_input"  # the Redirect after the Gather: nothing entered or heard
    UNCLEAR = "unclear"  # another key, or speech that is neither a plain yes nor a plain no


CALLBACK_CHOICES = {"1": "later_today", "2": "tomorrow"}


# --- The opening: disclosure first, always ---------------------------------------------------


def opening(*, language, company_name, position_title, confirm_url, greeting="", inbound=False, timeout=CONFIRM_TIMEOUT):
    """The first words of every call: who calls, that it is an automated AI assistant, that the
    answers will be recorded and why; then the question "1 or yes to begin, 2 to decline, 3 to
    be called back later". Nothing is recorded here. `inbound`: the candidate called the line
    back, so the assistant answers rather than calls.

    The disclosure is a plain <Say> before the <Gather>, so no key or noise can cut it short; a
    company's `greeting` comes after it and never replaces it. The <Gather> (one key or speech,
    `finishOnKey=""` so that every key, # and * included, reaches `confirm_url` as `Digits`)
    POSTs `Digits` or `SpeechResult`; with no input Twilio falls through to the <Redirect> to
    `confirm_url?...no_input=1`. Read either with `confirmation_choice()`.
    """
    voice_for(language)
    response = VoiceResponse()
    with translation.override(language):
        say(response, _disclosure(company_name, position_title, inbound=inbound), language)
        if greeting.strip():
            say(response, greeting.strip(), language)
        _confirmation_gather(response, language=language, confirm_url=confirm_url, timeout=timeout)
    return str(response)


def confirm_again(*, language, confirm_url, timeout=CONFIRM_TIMEOUT):
    """The opening's question asked again after no input or an unclear answer (the disclosure
    was said already; a reminder that it is an assistant and nothing is recorded comes first)."""
    voice_for(language)
    response = VoiceResponse()
    with translation.override(language):
        say(
            response,
            _("Sorry, I did not get your answer. I am an automated assistant and nothing has been recorded yet."),
            language,
        )
        _confirmation_gather(response, language=language, confirm_url=confirm_url, timeout=timeout)
    return str(response)


def _disclosure(company_name, position_title, *, inbound=False):
    params = {"company": company_name, "position": position_title}
    if inbound:
        first = _(
            "Hello, this is an automated assistant, an artificial intelligence, answering on behalf of "
            "%(company)s about your application for the position of %(position)s."
        )
    else:
        first = _(
            "Hello, this is an automated assistant, an artificial intelligence, calling on behalf of "
            "%(company)s about your application for the position of %(position)s."
        )
    return " ".join(
        [
            first % params,
            _(
                "If you agree, I will ask you a few questions and your answers will be recorded, so that "
                "the recruiters at %(company)s can assess your application. A person, not the assistant, "
                "makes every decision."
            )
            % params,
            _("How your answers are used and how long they are kept is explained in the consent message you received."),
        ]
    )


def _confirmation_gather(response, *, language, confirm_url, timeout):
    gather = response.gather(
        input="dtmf speech",
        num_digits=1,
        finish_on_key="",
        action=confirm_url,
        method="POST",
        timeout=timeout,
        speech_timeout="auto",
        language=speech_language_for(language),
        hints=", ".join(YES_WORDS[language] + NO_WORDS[language]),
    )
    say(
        gather,
        _(
            "To begin, press 1 or say yes. If you do not want this interview, press 2. "
            "To be called back later, press 3."
        ),
        language,
    )
    response.redirect(no_input_url(confirm_url), method="POST")


# --- Menus -----------------------------------------------------------------------------------


def language_menu(*, languages, choose_url, default, company_name, timeout=CONFIRM_TIMEOUT):
    """For a position offered in several languages, before the opening: each option in its own
    language and voice, in the order of `languages`, and each one says first that this is an
    automated assistant calling for `company_name`, so that the disclosure comes before anything
    in every language offered. Key N chooses `languages[N-1]` (`language_choice()`). With no key,
    the <Redirect> goes to `choose_url` with `no_input=1&language=<default>`: the call continues
    in `default`. Nothing is recorded here; the full opening follows in the language chosen."""
    languages = list(languages)
    for language in languages:
        voice_for(language)
    if len(set(languages)) != len(languages) or not 1 <= len(languages) <= 9:
        raise ValueError("a language menu offers 1 to 9 distinct languages")
    if default not in languages:
        raise ValueError(f"default language {default!r} is not offered")
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf", num_digits=1, finish_on_key="", action=choose_url, method="POST", timeout=timeout
    )
    for digit, language in enumerate(languages, start=1):
        with translation.override(language):
            disclosure = _("This is an automated assistant calling on behalf of %(company)s.") % {"company": company_name}
            # Translators: said in your own language, naming it ("Pour continuer en français...").
            option = _("To continue in English, press %(digit)s.") % {"digit": digit}
            say(gather, f"{disclosure} {option}", language)
    response.redirect(no_input_url(choose_url, **{LANGUAGE_PARAM: default}), method="POST")
    return str(response)


def callback_menu(*, language, choose_url, timeout=CONFIRM_TIMEOUT):
    """"1: later today, 2: tomorrow" (`callback_choice()`); no key: Redirect with `no_input=1`."""
    voice_for(language)
    response = VoiceResponse()
    with translation.override(language):
        gather = response.gather(
            input="dtmf", num_digits=1, finish_on_key="", action=choose_url, method="POST", timeout=timeout
        )
        say(gather, _("To be called back later today, press 1. To be called back tomorrow, press 2."), language)
    response.redirect(no_input_url(choose_url), method="POST")
    return str(response)


def pin_prompt(*, language, pin_url, retry=False, timeout=10):
    """An inbound call: ask for the six-digit code of the invitation. `Digits` reaches `pin_url`
    after six keys, or fewer keys then #; no key: Redirect with `no_input=1`."""
    voice_for(language)
    response = VoiceResponse()
    with translation.override(language):
        gather = response.gather(
            input="dtmf", num_digits=PIN_LENGTH, action=pin_url, method="POST", timeout=timeout
        )
        if retry:
            text = _("That code was not recognised. Please enter the six-digit code again.")
        else:
            text = _(
                "Hello, this is the automated interview assistant. "
                "Please enter the six-digit code from your confirmation email or text message."
            )
        say(gather, text, language)
    response.redirect(no_input_url(pin_url), method="POST")
    return str(response)


# --- The questions ---------------------------------------------------------------------------


def question(
    *,
    language,
    text,
    number,
    total,
    action_url,
    recording_status_url,
    max_length,
    silence_seconds,
    keypad_help=False,
    repeat=False,
    after_silence=False,
):
    """One question and the recording of its answer.

    Said: the lead-in when the question is asked again (`after_silence`: "we did not hear an
    answer...", else `repeat`: "here is the question again"), the keypad help when asked (once,
    before the first question), "Question N of M", the question's text; then a beep and one
    <Record>. Twilio POSTs to `action_url` when the recording ends with `RecordingSid`,
    `RecordingDuration` and `Digits`: "#" (answer finished), "*" (hear the question again: the
    webhook discards that recording), "hangup", or no key when `max_length` or `silence_seconds`
    of silence ended it. A recording with no audio at all does not reach the action (Twilio's
    <Record> documentation): the <Redirect> after it POSTs `action_url?...no_input=1` instead,
    which the webhook treats as silence. `recording_status_url` gets the "completed" (or "absent")
    event when the audio file is ready to fetch.
    """
    voice_for(language)
    if not 1 <= number <= total:
        raise ValueError("question number out of range")
    if max_length < 2 or silence_seconds < 1:
        raise ValueError("max_length must be at least 2 s and silence_seconds at least 1 s")
    response = VoiceResponse()
    with translation.override(language):
        if after_silence:
            say(response, silent_prompt(language), language)
        elif repeat:
            say(response, _("Here is the question again."), language)
        if keypad_help:
            say(
                response,
                _(
                    "After each question you will hear a beep: answer after it. Press the hash key when you "
                    "have finished your answer, or press the star key to hear the question again."
                ),
                language,
            )
        say(response, _("Question %(number)s of %(total)s.") % {"number": number, "total": total}, language)
        say(response, text, language)
    response.record(
        action=action_url,
        method="POST",
        max_length=max_length,
        timeout=silence_seconds,
        finish_on_key=FINISH_KEY + REPEAT_KEY,
        play_beep=True,
        trim="trim-silence",
        recording_status_callback=recording_status_url,
        recording_status_callback_event=RECORDING_STATUS_EVENTS,
        recording_status_callback_method="POST",
    )
    response.redirect(no_input_url(action_url), method="POST")
    return str(response)


def silent_prompt(language):
    """The text said before a question asked again because no answer was heard."""
    with translation.override(language):
        return _("We did not hear an answer. Here is the question again.")


# --- Endings ---------------------------------------------------------------------------------


def callback_confirmed(*, language, when_text):
    """"We will call you back <when_text>", then hang up; `when_text` is already in `language`."""
    return _say_and_hang_up(
        language, lambda: _("Thank you. We will call you back %(when)s. Goodbye.") % {"when": when_text}
    )


def refusal_acknowledged(language):
    """The caller declined: a polite goodbye saying the refusal is recorded, then hang up."""
    return _say_and_hang_up(
        language,
        lambda: _(
            "Understood. Your choice not to take this interview has been recorded, and you will not be "
            "called again for it. Thank you, goodbye."
        ),
    )


def closing(language, company_name):
    """After the last answer: thanks, the company's recruiters will be in touch, goodbye."""
    return _say_and_hang_up(
        language,
        lambda: _(
            "Thank you, that was the last question. The recruiters at %(company)s will review your "
            "answers and get back to you. Goodbye."
        )
        % {"company": company_name},
    )


def voicemail_message(language, company_name):
    """For an answering machine: the company's name and nothing personal, then hang up."""
    return _say_and_hang_up(
        language,
        lambda: _(
            "Hello, this is an automated assistant calling on behalf of %(company)s about your "
            "application. We will call again."
        )
        % {"company": company_name},
    )


def unknown_caller(language):
    """An inbound call that matches nothing: polite, says nothing about anyone, hang up."""
    return _say_and_hang_up(
        language, lambda: _("Hello. This line is only used for interview calls we have arranged. Goodbye.")
    )


def nothing_to_resume(language):
    """A caller whose code is right but whose interview is not waiting for a call (done,
    cancelled, or being called right now): polite, hang up."""
    return _say_and_hang_up(
        language, lambda: _("Thank you for calling. There is no interview to continue at the moment. Goodbye.")
    )


def goodbye_no_confirmation(language):
    """No confirmation came after the question was asked again: nothing recorded, hang up."""
    return _say_and_hang_up(
        language, lambda: _("We did not receive your answer, so nothing has been recorded. Goodbye.")
    )


def hangup():
    return str(_hangup(VoiceResponse()))


def _say_and_hang_up(language, text):
    voice_for(language)
    response = VoiceResponse()
    with translation.override(language):
        say(response, text(), language)
    return str(_hangup(response))


def _hangup(response):
    response.hangup()
    return response


def no_input_url(url, **extra):
    """`url` with `no_input=1` (and `extra`) appended to its query, the rest of it untouched: the
    target of the <Redirect> after each Gather and Record (the simulator follows it too)."""
    parts = urlsplit(url)
    if NO_INPUT_PARAM in parse_qs(parts.query, keep_blank_values=True):
        return url
    added = urlencode({NO_INPUT_PARAM: "1", **extra})
    return urlunsplit(parts._replace(query=f"{parts.query}&{added}" if parts.query else added))


_with_no_input = no_input_url  # the name interviews/simulator.py imports


# --- Reading the caller's reply --------------------------------------------------------------


def confirmation_choice(*, language, digits="", speech_result="", no_input=False):
    """The caller's answer to the opening (or `confirm_again`): a key decides; speech counts as
    START only for a yes word without a negation, as REFUSE only for a plain no ("no", "non
    merci"); anything else is UNCLEAR, so a misheard word never declines an interview."""
    voice_for(language)
    if digits:
        return {"1": Reply.START, "2": Reply.REFUSE, "3": Reply.LATER}.get(digits, Reply.UNCLEAR)
    words = _words(speech_result)
    if not words:
        return Reply.NO_INPUT if no_input or not speech_result else Reply.UNCLEAR
    yes = {_normalise(w) for w in YES_WORDS[language]}
    no = {_normalise(w) for w in NO_WORDS[language]}
    if words & yes and not words & (no | _NEGATIONS):
        return Reply.START
    if words & no and words <= no | _POLITE_WORDS:
        return Reply.REFUSE
    return Reply.UNCLEAR


def language_choice(*, languages, digits):
    """The language that key `digits` chose in `language_menu(languages=...)`, or None."""
    languages = list(languages)
    if len(digits) == 1 and digits.isdigit() and 1 <= int(digits) <= len(languages):
        return languages[int(digits) - 1]
    return None


def callback_choice(digits):
    """"later_today" or "tomorrow" for the callback menu's key, or None."""
    return CALLBACK_CHOICES.get(digits)


_ARABIC_DIACRITICS = re.compile("[\u064b-\u0652\u0640]")  # harakat and tatweel


def _normalise(word):
    word = unicodedata.normalize("NFC", word.casefold()).replace("'", "").replace("\u2019", "")
    word = _ARABIC_DIACRITICS.sub("", word)
    return word.translate(str.maketrans("أإآ", "ااا"))


def _words(speech_result):
    text = _ARABIC_DIACRITICS.sub("", speech_result or "")
    return {_normalise(w) for w in re.findall(r"[\w'\u2019]+", text)}
