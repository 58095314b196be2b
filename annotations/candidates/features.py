"""Rule-based reason extractors: who said it, what is quoted, numbers, and contest cues.

Everything here is regular expressions compiled once at import, so a sentence costs tens of
microseconds. Offsets are character offsets into the text passed in.
"""

from __future__ import annotations

import re

# A capitalised token ("Peskov", "U.S.", "Zelenskyy's", "Kyiv-based") or a role noun that can head
# a source ("officials", "spokesman"). Connectors may join tokens inside one name
# ("Organization for Security and Cooperation in Europe").
_CAP = r"(?:(?:[A-Z]\.){2,}|(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Lt|Col)\.|[A-Z][\w’'&-]*)"
_ROLE = (
    r"(?:officials?|spokes(?:man|woman|person)|ministry|minister|government|intelligence|press"
    r"|secretary|agency|authorities|police|military|army|sources?|analysts?|experts?"
    r"|researchers?|scientists?|investigators?|prosecutors?|lawmakers?|diplomats?|administration"
    r"|department|office|committee|report|statement|study|survey|spokespeople|representatives?"
    r"|leaders?|chief|director|president|media|officers?|aides?|advis[eo]rs?|commanders?"
    r"|outlet|newspaper|network|agencies|ministries|governments|council|court|judge|officers"
    r"|observers|monitors|mission|staff|state|foreign|defen[cs]e|health|emergency|general|mayor"
    r"|governor|senator|congress(?:man|woman)|ambassador|envoy|premier|chancellor|ministers)"
)
_TOKEN = rf"(?:{_CAP}|{_ROLE})"
_JOIN = r"(?:\s+(?:of|for|and|in|on|at|from|close\s+to))?\s+"
_NP = rf"(?:(?:[Tt]he|[Aa]n?)\s+)?{_TOKEN}(?:{_JOIN}{_TOKEN})*"
_SAY = (
    r"said|says|say|reported|reports|report|added|adds|told|tells|stated|states|announced"
    r"|announces|confirmed|confirms|noted|notes|warned|warns|estimated|estimates|testified"
    r"|wrote|writes|explained|explains|acknowledged|acknowledges|claimed|claims|insisted|insists"
    r"|alleged|alleges|denied|denies|argued|argues"
)
_ADVERB = r"(?:(?:previously|also|later|earlier|recently|has|have|had|then|further)\s+)"

# "Kremlin spokesman Dmitry Peskov said", ", the Associated Press reported."
_SOURCE_SAID = re.compile(
    rf"(?<![\w’'-])(?P<source>{_NP})\s+{_ADVERB}*(?P<verb>{_SAY})\b(?!\s+to\b)"
)
# ", said White House press secretary Jen Psaki."
_SAID_SOURCE = re.compile(rf",\s+(?P<verb>said|says|added|wrote)\s+(?P<source>{_NP})\s*[.!]?\s*$")
# "according to the Pentagon," - the source runs to the next clause boundary.
_ACCORDING = re.compile(
    r"\b(?P<verb>according to)\s+(?P<source>(?:[^,;:!?\"“”().]|\.(?=\w|\s[a-z]))+?)"
    r"(?=\s*(?:[,;:!?\"“”()]|\.(?!\w|\s[a-z]))|\s+(?:that|which|who|and|but)\b|\s*$)",
    re.IGNORECASE,
)
# Subjects that do not identify a source.
_NOT_SOURCES = {
    "i", "we", "you", "he", "she", "they", "it", "this", "that", "these", "those", "who", "which",
    "everybody", "everyone", "nobody", "somebody", "someone", "people", "one", "some", "many",
    "others", "there", "what", "let", "and", "but", "so", "or", "as", "if",
}  # fmt: skip
# Sentence-initial words a capitalised run may swallow ("However White House ...").
_LEADING_FILLERS = {
    "however", "but", "and", "so", "meanwhile", "on", "in", "at", "then", "also", "still", "yet",
    "now", "today", "yesterday", "later", "earlier", "when", "after", "before", "while", "since",
    "as", "if", "because", "although", "though", "instead", "indeed", "last", "this", "that",
}  # fmt: skip
_PRONOUN_SPEAKERS = {"he", "she", "they", "we", "i"}

_QUOTE = re.compile(r"[\"“](?P<text>[^\"“”]{1,1000}?)[\"”]")
# `," she said.` / `," said Psaki.` right after a quote, or `Psaki said: "` right before one.
_SPEAKER_AFTER = re.compile(
    rf"^\s*,?\s*(?P<speaker>{_NP}|he|she|they|we|I)\s+{_ADVERB}*(?:{_SAY})\b"
)
_SPEAKER_AFTER_INV = re.compile(rf"^\s*,?\s*(?:said|says|added)\s+(?P<speaker>{_NP})")
_SPEAKER_BEFORE = re.compile(rf"(?P<speaker>{_NP})\s+{_ADVERB}*(?:{_SAY})\s*[:,]?\s*$")

_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9,
           "bn": 1e9, "trillion": 1e12}  # fmt: skip
_CURRENCIES = {"$": "USD", "£": "GBP", "€": "EUR"}
_QUANTITY = re.compile(
    r"(?<![\w.,-])(?P<cur>[$£€])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|[km])(?![\w]))?"
    r"(?:\s?(?P<pct>%|percent\b|per\s+cent\b)|(?![\w])(?:\s+(?P<unit>[A-Za-z][A-Za-z-]*))?)"
)
# Words after a number that are not its unit ("in 2008 and", "48 of the").
_NOT_UNITS = {
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "from", "by", "with",
    "is", "are", "was", "were", "be", "that", "which", "who", "as", "than", "more", "less", "it",
    "he", "she", "they", "we", "i", "you", "when", "if", "so", "this", "after", "before", "since",
    "until", "into", "over", "under", "about", "per", "also", "not", "will", "would", "has", "have",
    "had", "did", "do", "said", "says",
}  # fmt: skip

_DISPUTE = re.compile(
    r"\b(?:claim(?:ed|s|ing)?|alleg(?:ed|edly|es|ing|ations?)|den(?:ied|ies|y|ying|ial)"
    r"|disput(?:ed|es|ing)|refut(?:ed|es|ing)|rebut(?:ted|s)?|contradict(?:ed|s|ing)?"
    r"|contest(?:ed|s|ing)|reject(?:ed|s|ing)|dismiss(?:ed|es|ing)|debunk(?:ed|s|ing)?"
    r"|baseless|unfounded|unsubstantiated|unproven|unverified|falsely|untrue|misleading"
    r"|without\s+(?:providing\s+)?evidence|no\s+evidence|disinformation|misinformation"
    r"|propaganda|so-called|insist(?:ed|s|ing)?|cast(?:ing)?\s+doubts?\s+on|questioned"
    r"|contrary\s+to|lied|lying"
    # "Putin claimed X, but Western nations believe Y": a contrasting belief.
    r"|(?:but|whereas)\b[^.;]{0,80}?\b(?:believe[sd]?|say|says|said|argue[sd]?"
    r"|contend(?:s|ed)?|maintain(?:s|ed)?|counter(?:s|ed)?|suspect(?:s|ed)?))\b"
)
_FALSE_FLAG = re.compile(
    r"\b(?:false[\s-]flags?|staged?\s+(?:an?\s+|the\s+)?(?:provocations?|attacks?|incidents?"
    r"|events?|bombings?|shootings?|invasion)|stag(?:ed|ing)\s+(?:an?\s+)?(?:provocation|attack)"
    r"|(?:manufactured|fabricated|fake|invented)\s+(?:an?\s+)?(?:pretext|provocation|attack"
    r"|incident|crisis|casus\s+belli)|pretext\s+(?:for|to)\s+(?:an?\s+)?(?:invasion|invade"
    r"|war|attack|intervention|military\s+action)|excuse\s+(?:for|to)\s+(?:an?\s+)?(?:invasion"
    r"|invade|war|attack)|provocation\s+staged|inside\s+job)\b"
)


def extract_reasons(text: str) -> dict:
    """Return the rule findings for one sentence as a JSON-serialisable dict."""
    attributions = find_attributions(text)
    lower = lowercase_same_length(text)
    false_flag_cues = _cues(_FALSE_FLAG, text, lower)
    return {
        "attributions": attributions,
        "quotes": find_quotes(text, attributions),
        "quantities": find_quantities(text),
        "dispute_cues": _cues(_DISPUTE, text, lower, exclude=false_flag_cues),
        "false_flag_cues": false_flag_cues,
    }


def lowercase_same_length(text: str) -> str:
    """text.lower() with every offset kept: the cue patterns are written in lowercase and matched
    without IGNORECASE, about twice as fast. The few characters whose lowercase is longer ("İ")
    stay as they are."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def find_attributions(text: str) -> list[dict]:
    """Sources a sentence attributes its content to, in order of appearance."""
    found = []
    for pattern in (_SOURCE_SAID, _SAID_SOURCE, _ACCORDING):
        for m in pattern.finditer(text):
            span = _clean_source(text, m.start("source"), m.end("source"))
            if span is not None:
                start, end = span
                found.append(
                    {"source": text[start:end], "verb": m.group("verb"), "start": start, "end": end}
                )
    found.sort(key=lambda a: a["start"])
    # Overlapping matches name the same source; keep the first (longest from the left).
    kept: list[dict] = []
    for item in found:
        if not kept or item["start"] >= kept[-1]["end"]:
            kept.append(item)
    return kept


def _clean_source(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim sentence-initial fillers off a source span; None if no identifiable source is left."""
    words = list(re.finditer(r"\S+", text[start:end]))
    while words and words[0].group().lower().strip(",") in _LEADING_FILLERS:
        words.pop(0)
    if not words:
        return None
    if len(words) == 1 and words[0].group().lower() in _NOT_SOURCES | {"the", "a", "an"}:
        return None
    if words[0].group().lower() in _NOT_SOURCES:
        return None
    if len(words) > 12:
        return None
    return start + words[0].start(), start + words[-1].end()


def find_quotes(text: str, attributions: list[dict] | None = None) -> list[dict]:
    """Quoted passages with their speaker where the sentence says who it is."""
    if attributions is None:
        attributions = find_attributions(text)
    quotes = []
    for m in _QUOTE.finditer(text):
        speaker = _quote_speaker(text, m.start(), m.end(), attributions)
        quotes.append(
            {
                "text": m.group("text").rstrip(" ,."),
                "speaker": speaker,
                "start": m.start(),
                "end": m.end(),
            }
        )
    return quotes


def _quote_speaker(text: str, start: int, end: int, attributions: list[dict]) -> str | None:
    after = text[end:]
    for pattern in (_SPEAKER_AFTER_INV, _SPEAKER_AFTER):
        m = pattern.match(after)
        if m and _speaker_ok(m.group("speaker")):
            return m.group("speaker")
    m = _SPEAKER_BEFORE.search(text, 0, start)
    if m and _speaker_ok(m.group("speaker")):
        return _strip_fillers(m.group("speaker"))
    # Otherwise the quote belongs to the reported speech of a source named before it
    # ("Peskov said the rebels asked for help against "aggression."").
    before = [a for a in attributions if a["end"] <= start and a["verb"] != "according to"]
    return before[-1]["source"] if before else None


def _speaker_ok(speaker: str) -> bool:
    low = speaker.lower()
    return low in _PRONOUN_SPEAKERS or low not in _NOT_SOURCES


def _strip_fillers(phrase: str) -> str:
    words = phrase.split()
    while len(words) > 1 and words[0].lower() in _LEADING_FILLERS:
        words.pop(0)
    return " ".join(words)


def find_quantities(text: str) -> list[dict]:
    """Numbers with their unit: "1,400 explosions", "$5 trillion", "30 percent"."""
    quantities = []
    for m in _QUANTITY.finditer(text):
        value = float(m.group("num").replace(",", ""))
        scale = m.group("scale")
        if scale:
            value *= _SCALES[scale.lower()]
        unit = m.group("unit")
        end = m.end()
        if unit and unit.lower() in _NOT_UNITS:
            unit, end = None, len(text[: m.start("unit")].rstrip())
        if m.group("pct"):
            unit = "percent"
        elif m.group("cur"):
            unit = _CURRENCIES[m.group("cur")]
        quantities.append(
            {
                "text": text[m.start() : end],
                "value": value,
                "unit": unit,
                "start": m.start(),
                "end": end,
            }
        )
    return quantities


def _cues(pattern: re.Pattern, text: str, lower: str, exclude: list[dict] = ()) -> list[dict]:
    """Matches of a lowercase pattern in `lower`, reported with the text's own casing; matches
    starting inside an `exclude` cue are left out (a false flag is not also a dispute cue)."""
    cues = []
    for m in pattern.finditer(lower):
        start, end = m.span()
        if any(cue["start"] <= start < cue["end"] for cue in exclude):
            continue
        cues.append({"cue": text[start:end], "start": start, "end": end})
    return cues


# Surface signals of a factual claim (numbers, comparisons, past events) versus talk that is not
# one (questions, opinions, promises, stage directions). Each is scaled to roughly [0, 1].
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_FIRST_PERSON = re.compile(r"\b(?:I|me|my|I'm|I've|I'd|I'll)\b")
_INNER_CAPITAL = re.compile(r"(?<=\s)[A-Z][a-z]+")
# Matched on the lowercased sentence: written in lowercase, without IGNORECASE (twice as fast).
_OPINION = re.compile(
    r"\b(?:i think|i believe|i feel|in my opinion|i hope|i want|i'm going to|we need|we should"
    r"|we must|we have to|we're going to|we will|i will|let me|i'd like)\b"
)
# Word lists counted in one pass over the lowercased sentence rather than one pass each.
_WORD_LISTS = {
    "number_word": (
        "million", "billion", "trillion", "thousand", "hundred", "percent", "half", "third",
        "quarter", "dollar", "dollars",
    ),
    "comparatives": (
        "more", "less", "fewer", "most", "least", "higher", "lower", "largest", "biggest",
        "highest", "lowest", "best", "worst", "greatest", "smallest", "record", "double",
        "doubles", "doubled", "triple", "tripled", "increase", "increased", "decrease",
        "decreased", "rose", "fell", "dropped", "cut", "raised", "lost", "gained", "only",
        "every", "never", "always", "first", "last",
    ),
    "second_person": ("you", "your", "you're"),
    "future": ("will", "going to", "gonna", "would", "could", "should"),
    "past": ("was", "were", "had", "did", "has", "have been"),
    "stage_direction": ("thank", "applause", "laughter", "crosstalk", "booing", "cheers"),
    "negation": ("not", "no", "never", "n't"),
}  # fmt: skip
# Any other word of five or more letters ending in -ed counts as past tense too.
_PAST_TENSE = r"\w{3,}ed"


def _signals_of_listed_words() -> dict[str, tuple[str, ...]]:
    """Each listed word with every signal it counts for ("never": comparatives and negation)."""
    signals_of: dict[str, tuple[str, ...]] = {}
    for name, words in _WORD_LISTS.items():
        for word in words:
            signals_of[word] = signals_of.get(word, ()) + (name,)
    for word, names in signals_of.items():
        if "past" not in names and re.fullmatch(_PAST_TENSE, word):
            signals_of[word] = names + ("past",)
    return signals_of


_SIGNALS_OF_WORD = _signals_of_listed_words()
_LISTED_WORD = re.compile(rf"\b(?:{'|'.join(map(re.escape, _SIGNALS_OF_WORD))}|{_PAST_TENSE})\b")

SIGNAL_NAMES = (
    "quantities", "digit", "number_word", "year", "attribution", "dispute", "false_flag", "quote",
    "comparatives", "length", "short", "question", "first_person", "opinion", "second_person",
    "future", "past", "capitalised", "parenthesis", "stage_direction", "exclamation", "negation",
)  # fmt: skip


def signals(text: str, reasons: dict) -> list[float]:
    """Numeric signals of one sentence, in SIGNAL_NAMES order; reasons = extract_reasons(text)."""
    n_words = len(text.split())
    stripped = text.strip()
    lower = text.lower()
    words = dict.fromkeys(_WORD_LISTS, 0)
    for m in _LISTED_WORD.finditer(lower):
        for name in _SIGNALS_OF_WORD.get(m.group(), ("past",)):
            words[name] += 1
    return [
        min(len(reasons["quantities"]), 3) / 3,
        float(bool(_DIGIT.search(text))),
        float(bool(words["number_word"])),
        float(bool(_YEAR.search(text))),
        float(bool(reasons["attributions"])),
        float(bool(reasons["dispute_cues"])),
        float(bool(reasons["false_flag_cues"])),
        float(bool(reasons["quotes"])),
        min(words["comparatives"], 3) / 3,
        min(n_words, 60) ** 0.5 / 7.75,  # sqrt-scaled length, 1.0 at 60 words
        float(n_words < 5),
        float(stripped.endswith("?")),
        min(len(_FIRST_PERSON.findall(text)), 3) / 3,
        float(bool(_OPINION.search(lower))),
        min(words["second_person"], 3) / 3,
        float(bool(words["future"])),
        min(words["past"], 3) / 3,
        min(len(_INNER_CAPITAL.findall(text)), 5) / 5,
        float(stripped[:1] in "(["),
        float(bool(words["stage_direction"])),
        float("!" in text),
        min(words["negation"], 2) / 2,
    ]
