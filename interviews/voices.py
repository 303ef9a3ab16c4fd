"""Which voice speaks each call language, and how Twilio is told the language to listen for.

Amazon Polly through Twilio: French and US English have neural voices; Modern Standard Arabic has
only the standard `Polly.Zeina`, whose language tag is `arb` (not `ar-XX`). No voice speaks
Moroccan Darija.
"""

# language -> (Polly voice, language tag of <Say>)
VOICES = {
    "fr": ("Polly.Lea-Neural", "fr-FR"),
    "en": ("Polly.Joanna-Neural", "en-US"),
    "ar": ("Polly.Zeina", "arb"),
}

# language -> BCP-47 tag of <Gather language=...> (speech recognition). `arb` is a Polly voice
# tag that the recognisers do not know; Arabic spoken in Morocco is listened to as ar-MA.
SPEECH_RECOGNITION_LANGUAGES = {"fr": "fr-FR", "en": "en-US", "ar": "ar-MA"}


def voice_for(language):
    """`(voice, language_tag)` for a call language ("fr", "en", "ar"); ValueError for any other."""
    try:
        return VOICES[language]
    except KeyError:
        raise ValueError(f"no voice for call language {language!r}") from None


def speech_language_for(language):
    """The tag that <Gather> listens to for `language`; ValueError for an unknown language."""
    voice_for(language)
    return SPEECH_RECOGNITION_LANGUAGES[language]


def say(parent, text, language):
    """Nest a <Say> of `text` in `parent` (a VoiceResponse or a Gather) with the language's voice."""
    voice, language_tag = voice_for(language)
    return parent.say(text, voice=voice, language=language_tag)
