"""Text normalisation: make every rule see what a human reads.

Spammers defeat naive filters with text that *looks* the same but is encoded differently:
fullwidth or mathematical letters (ｆｒｅｅ, 𝐟𝐫𝐞𝐞), Cyrillic/Greek lookalikes inside Latin
words (``раураl``), zero-width and bidi control characters wedged between letters, zalgo
marks, spaced-out words (``f r e e``) and defanged links (``example[.]com``, ``hxxp://``,
``w w w . spam . c o m``). :func:`normalise` undoes all of that in one pass and is
idempotent, so normalising rule terms and messages the same way makes them comparable.

Case is preserved (the caps rule needs it); :func:`fold` lower-cases for matching.

Homoglyph mapping is script-aware rather than a blind "skeleton": a Russian word stays
Russian. A word is mapped to Latin only when it mixes scripts and holds a letter that exists
only in Latin, or when it is made entirely of lookalikes inside a mostly-Latin message; a
mostly-Cyrillic word with a stray Latin lookalike is mapped the other way.
"""

from __future__ import annotations

import re
import unicodedata

# --- invisible characters -----------------------------------------------------------------

_INVISIBLE_RANGES = (
    (0x0000, 0x0008),  # C0 controls (tab, newline, CR kept: they are whitespace)
    (0x000B, 0x000C),
    (0x000E, 0x001F),
    (0x007F, 0x009F),  # DEL and C1 controls
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark (bidi)
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer invisible vowels
    (0x180B, 0x180F),  # Mongolian variation selectors / vowel separator
    (0x200B, 0x200F),  # zero-width space/joiners, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates, deprecated formats
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # BOM / zero-width no-break space
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF9, 0xFFFB),  # interlinear annotation
    (0x1D173, 0x1D17A),  # musical formatting controls
    (0xE0000, 0xE007F),  # tag characters
    (0xE0100, 0xE01EF),  # variation selectors supplement
)


def _char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


# Regex scans are C-speed; translate() with a dict costs a lookup per character, so the
# tables are only applied when a scan found something to change.
_INVISIBLE = re.compile(f"[{_char_class(_INVISIBLE_RANGES)}]")
_INVISIBLE_SET = frozenset(chr(c) for lo, hi in _INVISIBLE_RANGES for c in range(lo, hi + 1))
_ASCII_CONTROLS = bytes(c for c in range(128) if chr(c) in _INVISIBLE_SET)

# Generic combining marks (the ones zalgo text stacks). After NFKC composes real accents
# (e + U+0301 -> é) whatever is left in these blocks is decoration, not spelling. Marks of
# scripts that need them (Devanagari, Thai, Arabic...) live in their own blocks and stay.
_ZALGO_RANGES = ((0x0300, 0x036F), (0x0483, 0x0489), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF),
                 (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
_ZALGO = re.compile(f"[{_char_class(_ZALGO_RANGES)}]")
_ZALGO_SET = frozenset(chr(c) for lo, hi in _ZALGO_RANGES for c in range(lo, hi + 1))

# --- unconditional lookalikes (not letters of another language) ---------------------------

_UNCONDITIONAL: dict[int, str] = {}
for _i, _c in enumerate("abcdefghijklmnopqrstuvwxyz"):
    _UNCONDITIONAL[0x1F150 + _i] = _c.upper()  # negative circled 🅐
    _UNCONDITIONAL[0x1F170 + _i] = _c.upper()  # negative squared 🅰
# small capitals used by "fancy text" generators
for _src, _dst in zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnopqrstuvwyz", strict=True):
    _UNCONDITIONAL[ord(_src)] = _dst
_UNCONDITIONAL.update({ord("ɑ"): "a", ord("ɡ"): "g", ord("ɩ"): "i", ord("ı"): "i",
                       ord("ȷ"): "j", ord("ʋ"): "u", ord("ⅼ"): "l"})
_UNCONDITIONAL_SET = frozenset(chr(cp) for cp in _UNCONDITIONAL)

# --- script-conditional lookalikes ---------------------------------------------------------

# Foreign letter -> the Latin letter it is drawn like. Only close visual twins are listed;
# e.g. Cyrillic lower-case "т" (a small-capital T) is not, since it reads as "m" in italics.
_TO_LATIN_PAIRS = (
    # Cyrillic
    "аa сc еe һh іi јj кk оo рp ѕs уy хx ԁd ԛq ԝw ӏl үy "
    "АA ВB СC ЕE НH ІI ЈJ КK МM ОO РP ЅS ТT УY ХX ҮY ԚQ ԜW ӀI "
    # Greek
    "αa οo ρp νv υu κk χx γy ωw ιi "
    "ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX "
    # Armenian
    "օo սu հh ոn ցg "
)
_TO_LATIN: dict[str, str] = {}
for _pair in _TO_LATIN_PAIRS.split():
    if len(_pair) == 2 and _pair[1].isascii():
        _TO_LATIN[_pair[0]] = _pair[1]
_TO_LATIN_TABLE = str.maketrans(_TO_LATIN)

# Latin letter -> Cyrillic twin, for Russian words carrying a stray Latin lookalike.
_TO_CYRILLIC: dict[str, str] = {
    latin: cyr for cyr, latin in _TO_LATIN.items() if "\u0400" <= cyr <= "\u04ff"
}
for _latin, _cyr in (("a", "а"), ("c", "с"), ("e", "е"), ("o", "о"), ("p", "р"), ("x", "х"),
                     ("y", "у"), ("i", "і"), ("k", "к"), ("A", "А"), ("B", "В"), ("C", "С"),
                     ("E", "Е"), ("H", "Н"), ("K", "К"), ("M", "М"), ("O", "О"), ("P", "Р"),
                     ("T", "Т"), ("X", "Х"), ("Y", "У")):
    _TO_CYRILLIC[_latin] = _cyr
_TO_CYRILLIC_TABLE = str.maketrans(_TO_CYRILLIC)

_FOREIGN_CLASS = "\u0370-\u03ff\u0400-\u052f\u0531-\u058f"  # Greek, Cyrillic, Armenian
_LATIN_CLASS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_HAS_FOREIGN = re.compile(f"[{_FOREIGN_CLASS}]")
_FOREIGN_RANGES = ((0x370, 0x3FF), (0x400, 0x52F), (0x531, 0x58F))
_FOREIGN_SET = frozenset(chr(c) for lo, hi in _FOREIGN_RANGES for c in range(lo, hi + 1))
_WORD = re.compile(r"\w+")
_LATIN_LETTERS = re.compile(f"[{_LATIN_CLASS}]+")
_FOREIGN_LETTERS = re.compile(f"[{_FOREIGN_CLASS}]+")
_LATIN_SET = frozenset(
    chr(c)
    for lo, hi in ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F),
                   (0x1E00, 0x1EFF))
    for c in range(lo, hi + 1)
)
_CYRILLIC_SET = frozenset(chr(c) for c in range(0x0400, 0x0530))

# --- spaced-out text and defanged links ---------------------------------------------------

_SPACED_TOKEN = r"[\w./:@-]"
_SPACED_RUN = re.compile(rf"(?<!\S){_SPACED_TOKEN}(?:\s+{_SPACED_TOKEN}(?!\S)){{3,}}")
# Chinese/Japanese never put spaces between single characters, so three spaced ideographs
# ("加 微 信") are already an evasion, while three spaced Latin letters may be a list.
_SPACED_CJK = re.compile(
    r"(?<!\S)[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]"
    r"(?:\s+[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff](?!\S)){2,}"
)
_SEPARATOR = re.compile(r"\s+")
# Cheap pre-check for _SPACED_RUN (literal first character, so the regex engine skips ahead
# with a fast scan): two single characters between spaces. Padded with spaces by the caller.
_SPACED_HINT = re.compile(r" [\w./:@-]\s+[\w./:@-][ \t\n]")

_TLDS = (
    "com|net|org|info|biz|io|co|me|xyz|top|site|online|club|vip|shop|store|app|dev|link|live|"
    "pro|fun|icu|win|bid|loan|work|click|money|cash|finance|bet|casino|ru|su|cn|hk|tw|jp|kr|"
    "uk|us|de|fr|nl|eu|in|id|ai|gg|ly|cc|tv|ws|tk|ml|ga|cf|gq|to|sh|so|la|ee|im|is|it|es|"
    "ca|au|br|ua|kz|by|vn|th|ph|sg|my|pw|rs|cx|ch|at|be|pl|cz|se|no|fi|dk|pt|gr|tr|ir|"
    "mx|ar|cl|pe|za|ng|ke|eg|sa|ae|nz|website|space|world|today|network|digital|tech|email"
)
_DEFANGED_DOT = re.compile(
    r"\s*(?:\[\s*\.\s*\]|\(\s*\.\s*\)|\{\s*\.\s*\}|\[dot\]|\(dot\)|\{dot\}|<dot>)\s*",
    re.IGNORECASE,
)
_WORD_DOT_TLD = re.compile(rf"\b([a-z0-9-]+) +dot +({_TLDS})\b", re.IGNORECASE)
_CJK_DOT_TLD = re.compile(rf"([a-z0-9-]) *[。｡点點] *({_TLDS})\b", re.IGNORECASE)
_SPACED_DOT_TLD = re.compile(rf"([a-z0-9-]) +\. *({_TLDS})\b", re.IGNORECASE)
_WWW_DOT = re.compile(r"\bwww *\. *", re.IGNORECASE)
_HXXP = re.compile(r"\bh(?:xx|XX|\*\*|tt)p(s?) *(?:\[:\]|:) */ */ *", re.IGNORECASE)
_TLD_SLASH = re.compile(rf"(\.(?:{_TLDS})) +/ *(?=\w)", re.IGNORECASE)


def _join_spaced(match: re.Match[str]) -> str:
    """Re-join ``f r e e  m o n e y`` -> ``free money`` and ``w w w . x . c o m``.

    Single spaces inside the run join letters; wider gaps mark the word breaks the writer
    meant. When every gap is wide (``f  r  e  e``) the gaps are not word breaks at all.
    """
    run = match.group()
    chars = run.split()
    gaps = [len(g) for g in _SEPARATOR.findall(run)]
    if all(g == 1 for g in gaps) or all(g > 1 for g in gaps):
        return "".join(chars)
    words = [chars[0]]
    for gap, char in zip(gaps, chars[1:], strict=True):
        if gap == 1:
            words[-1] += char
        else:
            words.append(char)
    # Single letters left between wide gaps still form a spaced run of their own.
    out: list[str] = []
    singles: list[str] = []
    for word in words:
        if len(word) == 1:
            singles.append(word)
            continue
        out.extend(["".join(singles)] if len(singles) >= 4 else singles)
        singles = []
        out.append(word)
    out.extend(["".join(singles)] if len(singles) >= 4 else singles)
    return " ".join(out)


def _map_words(text: str) -> str:
    """Script-aware homoglyph mapping for words mixing Latin with Greek/Cyrillic/Armenian."""
    undecided: list[tuple[int, int, str]] = []
    pieces: list[str] = []
    last = 0
    for m in _WORD.finditer(text):
        word = m.group()
        if not _HAS_FOREIGN.search(word):
            continue
        has_latin = any(c in _LATIN_SET for c in word)
        latin_only = any(c in _LATIN_SET and c not in _TO_CYRILLIC for c in word)
        foreign_only = any(
            c.isalpha() and c not in _LATIN_SET and c not in _TO_LATIN for c in word
        )
        if latin_only:
            mapped = word.translate(_TO_LATIN_TABLE)
        elif foreign_only:
            if has_latin and all(c in _CYRILLIC_SET for c in word if c not in _LATIN_SET):
                mapped = word.translate(_TO_CYRILLIC_TABLE)
            else:
                continue
        else:
            undecided.append((m.start(), m.end(), word))
            continue
        if mapped != word:
            pieces.append(text[last : m.start()])
            pieces.append(mapped)
            last = m.end()
    if pieces:
        pieces.append(text[last:])
        text = "".join(pieces)
    if not undecided:
        return text
    # Words made only of lookalikes follow the message's dominant script, counted after the
    # unambiguous words above were mapped (so a second pass decides the same way).
    latin = sum(len(s) for s in _LATIN_LETTERS.findall(text))
    foreign = sum(len(s) for s in _FOREIGN_LETTERS.findall(text))
    to_latin = latin >= foreign
    pieces = []
    last = 0
    for start, end, word in undecided:
        if to_latin:
            mapped = word.translate(_TO_LATIN_TABLE)
        elif any(c in _LATIN_SET for c in word) and all(
            c in _CYRILLIC_SET for c in word if c.isalpha() and c not in _LATIN_SET
        ):
            mapped = word.translate(_TO_CYRILLIC_TABLE)
        else:
            continue
        pieces.append(text[last:start])
        pieces.append(mapped)
        last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _fix_links(text: str) -> str:
    """Re-fang defanged and spaced-out links so the link rules see real domains."""
    lowered = text.lower()
    if "[" in text or "(" in text or "{" in text or "<" in text:
        text = _DEFANGED_DOT.sub(".", text)
    if "hxx" in lowered or "h**p" in lowered or "p :" in lowered or ": /" in lowered or (
        ":/ " in lowered
    ):
        text = _HXXP.sub(lambda m: f"http{m.group(1).lower()}://", text)
    if " dot " in lowered:
        text = _WORD_DOT_TLD.sub(r"\1.\2", text)
    if "。" in text or "｡" in text or "点" in text or "點" in text:
        text = _CJK_DOT_TLD.sub(r"\1.\2", text)
    if " ." in text:
        text = _SPACED_DOT_TLD.sub(r"\1.\2", text)
    if "www" in lowered:
        text = _WWW_DOT.sub(lambda m: m.group()[:3] + ".", text)
    if " /" in text:
        text = _TLD_SLASH.sub(r"\1/", text)
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _fix_surrogates(text: str) -> str:
    """Join surrogate pairs that arrived as two code points (JSON ``\\ud83d\\ude00``) into
    one character and replace lone surrogates with U+FFFD: they cannot be encoded as UTF-8,
    so every later stage (RE2, the database, the platforms) would choke on them."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def storable(text: str) -> str:
    """``text`` unchanged except for surrogates (see :func:`_fix_surrogates`): safe to store
    or send as UTF-8 while keeping exactly what the member wrote otherwise."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _fix_surrogates(text)


def _once(text: str) -> str:
    if not text.isascii():
        if _SURROGATE.search(text):
            text = _fix_surrogates(text)
        # Set operations on the distinct characters are C-speed; most messages need none
        # of the substitutions below.
        chars = set(text)
        if not chars.isdisjoint(_INVISIBLE_SET):
            text = _INVISIBLE.sub("", text)
        normal = unicodedata.normalize("NFKC", text)
        if normal is not text and normal != text:
            text = normal
            chars = set(text)
            if not chars.isdisjoint(_INVISIBLE_SET):
                text = _INVISIBLE.sub("", text)
        if not chars.isdisjoint(_ZALGO_SET):
            text = _ZALGO.sub("", text)
        if not chars.isdisjoint(_UNCONDITIONAL_SET):
            text = text.translate(_UNCONDITIONAL)
        if not chars.isdisjoint(_FOREIGN_SET):
            text = _map_words(text)
        # Mapping and stripping never create composable sequences with Latin bases, but a
        # final NFKC keeps the result canonical whatever the input.
        text = unicodedata.normalize("NFKC", text)
        if " " in text and _SPACED_CJK.search(text):
            text = _SPACED_CJK.sub(lambda m: "".join(m.group().split()), text)
    else:
        raw = text.encode("ascii")
        if len(raw.translate(None, _ASCII_CONTROLS)) != len(raw):
            text = _INVISIBLE.sub("", text)
    if _SPACED_HINT.search(f" {text} ") and _SPACED_RUN.search(text):
        for _ in range(4):
            joined = _SPACED_RUN.sub(_join_spaced, text)
            if joined == text:
                break
            text = joined
    text = " ".join(text.split())
    return _fix_links(text)


def normalise(text: str) -> str:
    """Return ``text`` as a human reads it (case preserved); idempotent.

    The fast path handles plain-ASCII chat with a few C-level calls; non-ASCII text goes
    through NFKC, invisible/zalgo stripping and homoglyph mapping. The result is run through
    the pipeline again until stable (almost always once more, cheaply) so the function is
    idempotent by construction, not just by care.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalise() needs str, got {type(text).__name__}")
    out = _once(text)
    if out == text:
        return out
    for _ in range(3):
        again = _once(out)
        if again == out:
            return out
        out = again
    return out


def fold(text: str) -> str:
    """Case-fold normalised text for matching (``ß`` -> ``ss``, ``İ`` -> ``i̇``)."""
    return text.casefold()


def normalise_folded(text: str) -> str:
    """:func:`normalise` then :func:`fold`: the form keyword terms and regex input share."""
    return normalise(text).casefold()
