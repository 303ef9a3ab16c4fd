"""Names and titles that people read: one rule for what they may contain.

Control characters (C0, DEL and C1) and the Unicode direction overrides and isolates
(U+202A-U+202E, U+2066-U+2069) are refused: an override can make "Lina <U+202E>gnp.exe" read as
another name, in the dashboard, in emails and in exports. Tabs and line breaks, which a paste or a
text area brings, are whitespace: every run of whitespace becomes one space. The left-to-right and right-to-left marks (U+200E, U+200F, U+061C) stay allowed: they
only nudge the neutral characters beside them, and Arabic keyboards type them in mixed names.
"""

import unicodedata

from django.utils.translation import gettext as _

from aihm.errors import Invalid

DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Invisible characters that hide inside a name without a use there: zero-width space, word joiner, BOM.
INVISIBLE = frozenset("\u200b\u2060\ufeff")
WHITESPACE_CONTROLS = frozenset("\t\n\r")


def refused_character(text):
    """The first character of `text` that a displayed name may not contain, or None."""
    for char in text:
        if char in WHITESPACE_CONTROLS:
            continue
        if char in DIRECTION_CONTROLS or char in INVISIBLE or unicodedata.category(char) in ("Cc", "Cs"):
            return char
    return None


def clean_display_text(value, field):
    """`value` with its whitespace collapsed; Invalid(field=field) when it holds a control character,
    a direction override or an invisible character."""
    text = str(value or "")
    char = refused_character(text)
    if char is not None:
        raise Invalid(
            _("This text contains an invisible character that can change how it is displayed (%(code)s): "
              "remove it and type the text again.") % {"code": f"U+{ord(char):04X}"},
            field=field,
        )
    return " ".join(text.split())
