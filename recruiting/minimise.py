"""Data minimisation: what leaves for the AI provider is the CV without who the candidate is.

The candidate's name, email addresses, phone numbers, links to profiles and websites, postal
addresses and personal-detail lines (birth date, age, nationality, family status...) are replaced
by placeholders before any provider sees the text. The scorer needs the career, not the person.
"""

import re
import unicodedata
from functools import lru_cache

NAME, EMAIL, PHONE, LINK, ADDRESS, PERSONAL = "[name]", "[email]", "[phone]", "[link]", "[address]", "[personal detail]"


def fold(text):
    """Lower case without accents, for comparisons that ignore both."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("’", "'")


@lru_cache(maxsize=1)
def _accented_variants():
    """Each base letter with the accented letters that fold to it: 'e' -> 'eéèêë...'."""
    variants = {}
    for code in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        char = chr(code)
        base = fold(char)
        if len(base) == 1 and base.isalpha() and base != char.lower():
            variants.setdefault(base, set()).add(char.lower())
    return {base: "".join(sorted(chars)) for base, chars in variants.items()}


def _accent_insensitive(word):
    """A regex that matches the word whatever its accents (use with re.IGNORECASE)."""
    variants = _accented_variants()
    parts = []
    for char in fold(word):
        if char in variants:
            parts.append(f"[{re.escape(char)}{re.escape(variants[char])}]")
        elif char in "'-":
            parts.append(r"['’\-]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


# Particles of a name that are also ordinary words: removed only next to a real name token.
_NAME_PARTICLES = {
    "de", "du", "des", "la", "le", "les", "el", "al", "ben", "bin", "ibn", "bent", "ait", "ou", "van", "von",
    "der", "den", "da", "di", "do", "dos", "das", "del", "della", "y", "d", "l",
}

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
_SOCIAL_DOMAINS = (
    r"linkedin\.com|github\.com|gitlab\.com|bitbucket\.org|twitter\.com|x\.com|facebook\.com|fb\.com|instagram\.com|"
    r"tiktok\.com|youtube\.com|behance\.net|dribbble\.com|medium\.com|stackoverflow\.com|viadeo\.com|xing\.com|"
    r"t\.me|wa\.me|malt\.fr|kaggle\.com"
)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+|(?<![\w@.])(?:[\w\-]+\.)*(?:" + _SOCIAL_DOMAINS + r")(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
# Starts with +, 0 or "(" (national and international formats), or is a long run of digits, so
# that amounts ("15 000 000 MAD") and year ranges ("2016 - 2020") are left alone.
_PHONE = re.compile(r"(?<![\w+(])(?:\(?\+|00|0|\()[\d\s().\-]{6,}\d(?!\w)|(?<![\w+])\d{10,15}(?!\w)")

_AFTER_NUMBER = (
    r"rue|avenue|av\.|ave\.|bd\.?|boulevard|blvd\.?|street|st\.|road|rd\.|lane|all[ée]e|impasse|lot|lotissement|"
    r"r[ée]sidence|quartier|hay|derb|douar|cit[ée]|immeuble|imm\.|appt\.?|apt\.?|appartement|apartment|bloc"
)
_BEFORE_NAME = (
    r"rue|avenue|av\.|bd\.?|boulevard|blvd\.?|all[ée]e|impasse|lotissement|r[ée]sidence|quartier|hay|derb|"
    r"douar|cit[ée]|immeuble|zone industrielle"
)
# "Lot 23," is an address, "lot 2 : migration" a work package: a number here must end the part.
_BEFORE_NUMBER = r"lot|lotissement|imm\.?|immeuble|appt\.?|apt\.?|appartement|bloc"
_BEFORE_PARTICLE = r"rue|avenue|av\.|bd|boulevard|all[ée]e|impasse|r[ée]sidence|quartier"
# Words such as "place", "cours" or "route" are left out: "mise en place de", "au cours de",
# "feuille de route" fill French CVs.
_ADDRESS_PATTERNS = [
    # "12 rue des Lilas", "45, Av. Hassan II", "n° 7 bis, Lot Al Amal"
    re.compile(r"(?<!\w)(?:n°\s*)?\d{1,4}\s*(?:bis|ter)?\s*,?\s*(?i:" + _AFTER_NUMBER + r")(?=[\s,.]|$)"),
    # "Hay Riad", "Derb Sultan", "Bd Zerktouni", "résidence Al Amal", "Lot Al Wifaq", "Lot 23, ..."
    re.compile(r"(?<!\w)(?i:" + _BEFORE_NAME + r")\s+(?:\d|[A-ZÀ-Ý])"),
    re.compile(r"(?<!\w)(?i:lot|lotissement)\s+[A-ZÀ-Ý]"),
    re.compile(r"(?<!\w)(?i:" + _BEFORE_NUMBER + r")\s*(?:n°\s*)?\d+\s*(?:,|$)"),
    # "rue de la Paix", "avenue des Far"
    re.compile(r"(?<!\w)(?i:" + _BEFORE_PARTICLE + r")\s+(?i:d['’]|de |du |des |la |le |el |al )"),
    # "221B Baker Street", "10 Downing Road"
    re.compile(r"(?<!\w)\d{1,4}[A-Za-z]?\s+(?:[A-Z][\w'\-]*\s+){1,3}(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Drive|Boulevard)(?!\w)"),
    # "75011 Paris", "20250 Casablanca", "B.P. 123"
    re.compile(r"(?<!\w)\d{5}\s+[A-ZÀ-Ý][a-zà-ÿ'\-]+(?:[\s\-][A-ZÀ-Ý][a-zà-ÿ'\-]+)*(?!\w)"),
    re.compile(r"(?<!\w)(?i:b\.?\s?p\.?|c\.?\s?p\.?|p\.?\s?o\.? box)\s*\d+"),
    # "Adresse : ...", "Address: ..."
    re.compile(r"^\s*(?i:adresse|address|domicile|home address)\s*:"),
]

_PERSONAL_LINE = re.compile(
    r"^[ \t•·\-*]*(?:date (?:de|of) naissance|date of birth|birth ?date|n[ée]e? (?:le|en|à)|born (?:on|in)|[âa]ge\s*:|"
    r"\d{2} ans\s*(?:$|[,;|•·])|nationalit[ée]|nationality|citizenship|situation (?:familiale|matrimoniale)|[ée]tat civil|"
    r"marital status|sexe\s*:|gender\s*:|religion\s*:|mari[ée]e?\b|c[ée]libataire|married\b|divorc[ée]e?\b|"
    r"permis de s[ée]jour|lieu de naissance|place of birth)[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
_MAX_ADDRESS_LINE = 160


def _is_year_range(digits_text):
    """'09.2016 - 06.2020' or '2016 - 2020': dates, not a phone number."""
    groups = re.findall(r"\d+", digits_text)
    has_year = any(len(g) == 4 and 1950 <= int(g) <= 2049 for g in groups)
    return has_year and all(len(g) <= 2 or (len(g) == 4 and 1950 <= int(g) <= 2049) for g in groups)


def _replace_phones(text):
    def replace(match):
        found = match.group(0)
        digits = re.sub(r"\D", "", found)
        if len(digits) < 8 or _is_year_range(found):
            return found
        trailing = found[len(found.rstrip(" .-")):]
        return PHONE + trailing

    return _PHONE.sub(replace, text)


def _replace_addresses(text):
    lines = text.split("\n")
    for index, line in enumerate(lines):
        match = next((m for pattern in _ADDRESS_PATTERNS if (m := pattern.search(line))), None)
        if match is None:
            continue
        if len(line) <= _MAX_ADDRESS_LINE:
            indent = line[: len(line) - len(line.lstrip())]
            lines[index] = indent + ADDRESS
        else:  # an address inside prose: drop it up to the end of its clause
            end = re.search(r"[;\n•|]|\.\s", line[match.start():])
            stop = match.start() + end.start() if end else len(line)
            lines[index] = line[: match.start()] + ADDRESS + line[stop:]
    return "\n".join(lines)


def _name_parts(full_name):
    """(words of the name, whole and split at hyphens/apostrophes, longest first; its particles)."""
    words, particles = set(), set()
    for token in re.split(r"[\s,;]+", full_name or ""):
        for part in [token, *re.split(r"[\-'’]", token)]:
            letters = sum(1 for c in part if c.isalpha())
            if fold(part) in _NAME_PARTICLES:
                particles.add(fold(part))
            elif letters >= 2:
                words.add(part)
    return sorted(words, key=len, reverse=True), sorted(particles, key=len, reverse=True)


def _replace_name(text, full_name):
    tokens, particles = _name_parts(full_name)
    if not tokens:
        return text
    token_pattern = "|".join(_accent_insensitive(t) for t in tokens)
    # The name's own particles go with the word they stand before ("El Amrani", "Ben Ali"); an
    # ordinary "de" before a first name stays.
    before = rf"(?:(?:{'|'.join(particles)})(?:\s+|['’\-]))*" if particles else ""
    name = re.compile(rf"(?<![\w@]){before}(?:{token_pattern})(?![\w@])", re.IGNORECASE)
    text = name.sub(NAME, text)
    return re.sub(r"\[name\](?:[\s\-]*\[name\])+", NAME, text)


def minimise_cv_text(text, *, full_name="", email="", phone=""):
    """The CV text without the candidate's identity, ready to be sent to an AI provider."""
    text = text or ""
    if email:
        text = re.sub(re.escape(email), EMAIL, text, flags=re.IGNORECASE)
    text = _EMAIL.sub(EMAIL, text)
    text = _URL.sub(LINK, text)
    if phone:
        national = re.sub(r"\D", "", phone)[-9:]
        if len(national) >= 8:
            spaced = r"[\s.\-()]*".join(national)
            text = re.sub(rf"(?:\(?(?:\+|00)\d{{1,3}}\)?[\s.\-]*)?(?:\(?0\)?[\s.\-]*)?{spaced}(?!\d)", PHONE, text)
    text = _replace_phones(text)
    text = _PERSONAL_LINE.sub(PERSONAL, text)
    text = _replace_addresses(text)
    text = _replace_name(text, full_name)
    return text
