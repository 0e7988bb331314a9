"""Names folded for search: the ``cg:searchKey`` of every registry entry, and the text searched.

Search is case- and accent-insensitive on every backend because both sides are folded the same
way here, in Python, rather than in SPARQL (engines differ in their Unicode functions, and
folding in the query costs a pass of string functions over every name at each keystroke):

>>> search_key("Mustafa Öztürk")
'mustafa ozturk'
>>> search_key("Nagorno-Karabakh"), search_key("İlham Əliyev"), search_key("  Kreml ")
('nagorno karabakh', 'ilham aliyev', 'kreml')
>>> search_key("Straße"), search_key("Łódź"), search_key("O’Brien")
('strasse', 'lodz', "o'brien")
"""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans({"ə": "a", "Ə": "a", "ı": "i", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l",
                          "ħ": "h", "Ħ": "h", "ŧ": "t", "Ŧ": "t", "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe",
                          "Œ": "oe", "’": "'", "‘": "'", "ʼ": "'", "´": "'"})
_DASHES = re.compile(r"[-‐‑‒–—―_]+")
_SPACES = re.compile(r"\s+")


def search_key(text: str) -> str:
    """Lower case, accents and marks removed, dashes as spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", _DASHES.sub(" ", bare.casefold().translate(_LETTERS))).strip()


__all__ = ["search_key"]
