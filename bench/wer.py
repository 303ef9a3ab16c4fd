"""Word error rate of a transcript against what was said, French and English.

Both texts are normalised the same way before the words are compared: lower case, accents kept,
punctuation removed, apostrophes and hyphens split (French) or joined (English contractions),
hesitations ("euh", "um") dropped, and numbers written as digits whether they were spoken as
words ("vingt-cinq", "twenty five") or written with digit groups ("30,000", "30 000"). The word
error rate is the Levenshtein distance over words divided by the number of reference words.
Pure functions: nothing here needs Django.
"""

import re
import unicodedata

HESITATIONS = frozenset({"euh", "heu", "hum", "hmm", "mmh", "mm", "uh", "um", "umm", "er", "erm"})
APOSTROPHES = "'\u2019\u2018\u02bc`"
PERCENT = {"fr": ["pour", "cent"], "en": ["percent"]}

UNITS = {
    "fr": {"zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
           "huit": 8, "neuf": 9},
    "en": {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9},
}
TEENS = {
    "fr": {"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16},
    "en": {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
           "seventeen": 17, "eighteen": 18, "nineteen": 19},
}
TENS = {
    "fr": {"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60},
    "en": {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
           "eighty": 80, "ninety": 90},
}
HUNDRED = {"fr": {"cent", "cents"}, "en": {"hundred"}}
THOUSAND = {"fr": {"mille"}, "en": {"thousand"}}
JOINER = {"fr": "et", "en": "and"}


def normalise(text, language):
    """The words of `text` as they are compared: a list of strings."""
    if language not in UNITS:
        raise ValueError(f"no normalisation for language {language!r}")
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"\$\s?(\d[\d.,]*\d|\d)", r"\1 dollars", text)
    if language == "fr":
        text = re.sub(r"(?<=\d)\s?h\b", " heures", text)  # 2h, 2 h
    text = _digits_joined(text)
    text = text.replace("%", " %").replace("€", " euros ")
    if language == "fr":
        text = re.sub(f"[{APOSTROPHES}]", " ", text)
    else:
        text = re.sub(f"(?<=\\w)[{APOSTROPHES}](?=\\w)", "", text)
    text = re.sub(r"(?<=\d)\.(?=\d)", "\x00", text)  # a decimal point survives the punctuation
    words = []
    # Numbers do not run across punctuation: "vingt, trente" is two numbers.
    for clause in re.split(r"[,;:.!?\u2026()\[\]\"\u00ab\u00bb]", text):
        clause_words = re.sub(r"[^\w%\x00]+|_", " ", clause).replace("\x00", ".").split()
        clause_words = [word for word in clause_words if word not in HESITATIONS]
        words.extend(_numbers_as_digits(_percent_as_symbol(clause_words, language), language))
    return words


def _digits_joined(text):
    """Digit groups of thousands written together ("30,000", "30 000", "30.000" -> "30000"), and a
    decimal comma as a point ("2,5" -> "2.5")."""
    thousands = re.compile(r"(?<![\d.,])(\d{1,3})(?:[,.\u00a0\u202f ](\d{3}))+(?![\d]|[.,]\d)")
    text = thousands.sub(lambda match: re.sub(r"[^\d]", "", match.group(0)), text)
    return re.sub(r"(?<=\d),(?=\d)", ".", text)


def _percent_as_symbol(words, language):
    spoken = PERCENT[language]
    out, index = [], 0
    while index < len(words):
        if words[index:index + len(spoken)] == spoken:
            out.append("%")
            index += len(spoken)
        else:
            out.append(words[index])
            index += 1
    return out


def _is_number_word(word, language):
    return (word in UNITS[language] or word in TEENS[language] or word in TENS[language]
            or word in HUNDRED[language] or word in THOUSAND[language])


def _numbers_as_digits(words, language):
    """Each run of number words becomes the numbers it says, as digits; other words pass."""
    out, run = [], []
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if _is_number_word(word, language):
            run.append(word)
        elif word == JOINER[language] and run and _is_number_word(following, language) and _joins(run[-1], following, language):
            run.append(word)
        else:
            out.extend(_spoken_numbers(run, language))
            run = []
            out.append(word)
    out.extend(_spoken_numbers(run, language))
    return out


def _joins(previous, following, language):
    """"vingt et un", "soixante et onze", "two hundred and five": the joiner belongs to the number."""
    if language == "fr":
        return previous in TENS["fr"] and following in ("un", "une", "onze")
    return previous in HUNDRED["en"] | THOUSAND["en"]


def _spoken_numbers(run, language):
    """The numbers said by a run of number words (as digit strings): "twenty five" -> ["25"],
    "deux mille dix neuf" -> ["2019"], "twenty nineteen" -> ["2019"], "three four" -> ["3", "4"]."""
    numbers = []
    total, group, last, year_style = 0, 0, None, False
    previous_word = None

    def flush():
        nonlocal total, group, last, year_style
        if last is not None:
            numbers.append(str(total + group))
        total, group, last, year_style = 0, 0, None, False

    def begin(value):
        """A number word that does not continue the one being said starts the next number."""
        nonlocal group
        if last not in (None, "hundred", "thousand"):
            flush()
        group += value

    for word in run:
        if word == JOINER[language]:
            continue
        said_dix, previous_word = previous_word == "dix", word
        if word in UNITS[language]:
            value = UNITS[language][word]
            if last == "tens" or (last == "teen" and said_dix and value >= 7):
                group += value  # twenty five, dix-sept
            else:
                begin(value)
            last = "unit"
        elif word in TEENS[language]:
            value = TEENS[language][word]
            if last == "tens" and language == "fr" and group % 100 in (60, 80):
                group += value  # soixante-dix, quatre-vingt-onze
            elif language == "en" and last in ("tens", "teen") and not total and 10 <= group < 100 and not year_style:
                group, year_style = group * 100 + value, True  # twenty nineteen, nineteen twelve
            else:
                begin(value)
            last = "teen"
        elif word in TENS[language]:
            value = TENS[language][word]
            if language == "fr" and value == 20 and last == "unit" and group % 100 == 4:
                group += 76  # quatre-vingt(s)
            elif language == "en" and last in ("tens", "teen") and not total and 10 <= group < 100 and not year_style:
                group, year_style = group * 100 + value, True  # nineteen ninety, twenty twenty
            else:
                begin(value)
            last = "tens"
        elif word in HUNDRED[language]:
            if last == "hundred" or group >= 100:
                flush()
            group = max(group, 1) * 100
            last = "hundred"
        elif word in THOUSAND[language]:
            if last == "thousand":
                flush()
            total, group = total + max(group, 1) * 1000, 0
            last = "thousand"
    flush()
    return numbers


def alignment(reference, hypothesis):
    """The Levenshtein alignment of two lists of words: pairs (reference word or None, hypothesis
    word or None), a match or a substitution when both are set."""
    rows, columns = len(reference), len(hypothesis)
    distance = [[row + column if not row or not column else 0 for column in range(columns + 1)] for row in range(rows + 1)]
    for row in range(1, rows + 1):
        for column in range(1, columns + 1):
            diagonal = distance[row - 1][column - 1] + (reference[row - 1] != hypothesis[column - 1])
            distance[row][column] = min(diagonal, distance[row - 1][column] + 1, distance[row][column - 1] + 1)
    pairs, row, column = [], rows, columns
    while row or column:
        if row and column and distance[row][column] == distance[row - 1][column - 1] + (reference[row - 1] != hypothesis[column - 1]):
            pairs.append((reference[row - 1], hypothesis[column - 1]))
            row, column = row - 1, column - 1
        elif row and distance[row][column] == distance[row - 1][column] + 1:
            pairs.append((reference[row - 1], None))
            row -= 1
        else:
            pairs.append((None, hypothesis[column - 1]))
            column -= 1
    return pairs[::-1]


def word_errors(reference, hypothesis):
    """(substitutions, deletions, insertions) between two lists of words, by Levenshtein."""
    pairs = alignment(reference, hypothesis)
    substitutions = sum(1 for said, heard in pairs if said is not None and heard is not None and said != heard)
    deletions = sum(1 for said, heard in pairs if heard is None)
    insertions = sum(1 for said, heard in pairs if said is None)
    return substitutions, deletions, insertions


def wer(reference, hypothesis, language):
    """Word error rate of `hypothesis` against `reference` (texts), after normalisation; 0.0 when
    both are empty, 1.0 for anything heard when nothing was said."""
    ref_words, hyp_words = normalise(reference, language), normalise(hypothesis, language)
    if not ref_words:
        return 0.0 if not hyp_words else 1.0
    return sum(word_errors(ref_words, hyp_words)) / len(ref_words)


def repeated_run(words, *, min_repeats=3, max_length=8):
    """The longest n-gram (n <= `max_length`) said `min_repeats` times or more in a row, or None:
    the mark of a decoder looping on itself ("je pense que je pense que je pense que")."""
    found = None
    for length in range(1, max_length + 1):
        needed = max(min_repeats, 4) if length == 1 else min_repeats
        for start in range(0, len(words) - length * needed + 1):
            gram = words[start:start + length]
            repeats = 1
            while words[start + repeats * length:start + (repeats + 1) * length] == gram:
                repeats += 1
            if repeats >= needed:
                found = tuple(gram)
                break
    return found


def ending_kept(reference_words, hypothesis_words, *, tail=3):
    """Whether the last word said was heard: among the last `tail` words of the transcript, or
    aligned with a word heard in its place (misheard, not lost). An answer whose ending the
    voice-activity filter cut has its last words deleted."""
    if not reference_words:
        return True
    if reference_words[-1] in hypothesis_words[-tail:]:
        return True
    last_said = [heard for said, heard in alignment(reference_words, hypothesis_words) if said is not None][-1]
    return last_said is not None
