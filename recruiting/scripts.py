"""Reading a frozen script (recruiting.models.ScriptVersion) in the language a call is held in.

A version frozen since positions offer several languages has `languages` (its own first) and, on
each question, `texts` ({language: text}, its own language included). Versions frozen before have
neither: they are asked in their own language only, and `text` is that language's text. The call
and the report read scripts through these functions, so both kinds keep working.
"""


def script_languages(script):
    """The languages `script` (a ScriptVersion) can be asked in, in keypad-menu order, its own
    language first; `[script.language]` for a version frozen before languages were recorded."""
    return list(script.languages or []) or [script.language]


def question_texts(question, script_language):
    """{language: text} of one frozen question (an item of ScriptVersion.questions); an old one,
    without `texts`, has its `text` in the script's own language, `script_language`."""
    return dict(question.get("texts") or {script_language: question["text"]})


def question_text(question, language):
    """The text of one frozen question (an item of ScriptVersion.questions) to ask in `language`,
    one of `script_languages(script)`. Falls back to `text`, the script's own language, when the
    question has no text in `language` (an old version, or a language the script does not offer)."""
    return (question.get("texts") or {}).get(language) or question["text"]
