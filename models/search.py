"""R19: the register's name search key, one spelling for every way of writing a name.

``search_key`` is applied to the stored name and to the query alike, so a search for any part of
the key finds the name whatever its case, accents or punctuation: "Zoë Ó Briain-Łukasiewicz" is
kept as ``"zoe o briain lukasiewicz"``, which "ZOE", "o briain" and "Briain-Lukasiewicz" all
find. The function is pure and stable: stored keys are only recomputed by a migration.
"""

from __future__ import annotations

import unicodedata

# Letters NFKD leaves whole (they have no decomposition), folded to what people type instead.
# Keys are casefolded first, so only lower-case forms are listed.
_EXTRA_FOLDS = str.maketrans(
    {
        "æ": "ae",
        "ð": "d",
        "đ": "d",
        "ħ": "h",
        "\u0131": "i",  # dotless i
        "ŀ": "l",
        "ł": "l",
        "ŋ": "n",
        "ø": "o",
        "œ": "oe",
        "ŧ": "t",
        "þ": "th",
        "\u02bc": " ",  # modifier letter apostrophe: a letter to Unicode, an apostrophe here
        "\u02bb": " ",  # modifier letter turned comma (the okina)
    }
)


def search_key(text: str) -> str:
    """``text`` folded for searching: the words of the name, plain and lower case.

    Case is folded (``casefold``: ß becomes ss), letters with no decomposition are mapped to
    their plain forms (Ł to l, ø to o), compatibility forms are decomposed (NFKD: ﬁ to fi) and
    the combining marks that decomposition leaves are dropped (ë to e). Every run of other
    characters (spaces, hyphens, apostrophes, dots) becomes one space; none leads or trails.

    Args:
        text: a name, or part of one as typed into a search.

    Returns:
        The key: letters and digits in words separated by single spaces ("" when there are none).
    """
    # Twice, as Unicode's compatibility caseless match does: NFKD can yield upper case (㎒ is
    # MHz) and casefolding can yield combining marks (İ is i and a dot above).
    folded = _fold(_fold(unicodedata.normalize("NFD", text)))
    return " ".join("".join(_word_chars(folded)).split())


def _fold(text: str) -> str:
    """``text`` casefolded, with the extra folds, then decomposed (NFKD)."""
    return unicodedata.normalize("NFKD", text.casefold().translate(_EXTRA_FOLDS))


def _word_chars(text: str) -> list[str]:
    """Each character of ``text``: letters and digits kept, marks dropped, the rest a space."""
    chars = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Mn":
            continue
        chars.append(char if category[0] in "LN" else " ")
    return chars
