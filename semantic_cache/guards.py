"""False-hit guards: cheap lexical checks run after the vector similarity threshold.

Embeddings place "what is 15% of 80" and "what is 15% of 90" (or "capital of France" and
"capital of Spain", or "turn on" and "turn off") very close together, because they share
almost every token. Serving one's cached answer for the other is the costly mistake of a
semantic cache, so a candidate hit must also pass these checks. They are deliberately
one-sided: when unsure, they say "different", which only costs a cache miss.

Everything here is a pure function of the two strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Chosen with tests/benchmarks/bench_semantic_threshold.py on the labelled pairs in
# semantic_cache/eval_data/near_miss.jsonl for sentence-transformers/all-MiniLM-L6-v2; the
# table and the reasoning are in docs/semantic-threshold.md. Re-measure for another model.
DEFAULT_SIMILARITY_THRESHOLD = 0.9

# Shorter turns ("hi", "thanks", "ok do it") carry too little meaning for a nearest
# neighbour to be trusted: they go to the exact-match cache only.
MIN_ELIGIBLE_CHARS = 10
MIN_ELIGIBLE_WORDS = 3


@dataclass(frozen=True)
class GuardResult:
    """Whether two texts may share a cached answer, and if not, why (for diagnostics)."""

    agree: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.agree


_AGREE = GuardResult(True)

_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# --- numbers -------------------------------------------------------------------------------

# A leading minus counts only where it cannot be a range or a hyphen ("3-5", "gpt-4").
_NUMBER_RE = re.compile(r"(?:(?<![\w)])-)?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?:(?<![\w)])-)?\d+(?:\.\d+)?")

# "one" is left out on purpose: "which one", "the one that" are far more common than the
# number, and a missing number only costs a miss.
_NUMBER_WORDS = {
    "zero": "0",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
    "hundred": "100",
    "thousand": "1000",
    "million": "1000000",
    "billion": "1000000000",
    "half": "0.5",
    "twice": "2",
    "double": "2",
    "triple": "3",
}


def _canonical_number(raw: str) -> str:
    # Only thousands separators go: "3.10" and "3.1" stay apart because versions differ.
    return raw.replace(",", "")


def extract_numbers(text: str) -> frozenset[str]:
    """Canonical numbers mentioned in `text`, digits or simple number words."""
    found = {_canonical_number(m.group()) for m in _NUMBER_RE.finditer(text)}
    found.update(_NUMBER_WORDS[w] for w in _WORD_RE.findall(text.lower()) if w in _NUMBER_WORDS)
    return frozenset(found)


# --- units ---------------------------------------------------------------------------------

_UNIT_GROUPS: dict[str, tuple[str, ...]] = {
    "km": ("km", "kms", "kilometer", "kilometers", "kilometre", "kilometres"),
    "mile": ("mi", "mile", "miles", "mph"),
    "m": ("meter", "meters", "metre", "metres"),
    "cm": ("cm", "centimeter", "centimeters", "centimetre", "centimetres"),
    "mm": ("mm", "millimeter", "millimeters", "millimetre", "millimetres"),
    "ft": ("ft", "foot", "feet"),
    "inch": ("inch", "inches"),
    "yard": ("yard", "yards", "yd"),
    "kg": ("kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"),
    "g": ("gram", "grams"),
    "lb": ("lb", "lbs", "pound", "pounds"),
    "oz": ("oz", "ounce", "ounces"),
    "l": ("liter", "liters", "litre", "litres"),
    "ml": ("ml", "milliliter", "milliliters", "millilitre", "millilitres"),
    "gallon": ("gallon", "gallons", "gal"),
    "cup": ("cup", "cups"),
    "celsius": ("celsius", "centigrade"),
    "fahrenheit": ("fahrenheit",),
    "kelvin": ("kelvin",),
    "second": ("sec", "secs", "seconds"),
    "minute": ("minute", "minutes", "mins"),
    "hour": ("hour", "hours", "hr", "hrs"),
    "day": ("day", "days"),
    "week": ("week", "weeks"),
    "month": ("month", "months"),
    "year": ("year", "years"),
    "byte": ("byte", "bytes"),
    "kb": ("kb", "kilobyte", "kilobytes", "kib"),
    "mb": ("mb", "megabyte", "megabytes", "mib"),
    "gb": ("gb", "gigabyte", "gigabytes", "gib"),
    "tb": ("tb", "terabyte", "terabytes", "tib"),
    "usd": ("usd", "dollar", "dollars", "$"),
    "eur": ("eur", "euro", "euros", "€"),
    "gbp": ("gbp", "sterling", "£"),
    "jpy": ("jpy", "yen", "¥"),
    "percent": ("percent", "percentage", "%"),
}
_UNIT_BY_WORD = {word: unit for unit, words in _UNIT_GROUPS.items() for word in words}
_SYMBOL_UNITS = {"$": "usd", "€": "eur", "£": "gbp", "¥": "jpy", "%": "percent"}
# "5kg", "10km", "3.5GB": a number glued to its unit.
_GLUED_UNIT_RE = re.compile(r"\d([a-z]+)\b")


def extract_units(text: str) -> frozenset[str]:
    """Canonical units of measure or currency mentioned in `text`."""
    lowered = text.lower()
    units = {_UNIT_BY_WORD[w] for w in _WORD_RE.findall(lowered) if w in _UNIT_BY_WORD}
    units.update(_UNIT_BY_WORD[g] for g in _GLUED_UNIT_RE.findall(lowered) if g in _UNIT_BY_WORD)
    units.update(unit for symbol, unit in _SYMBOL_UNITS.items() if symbol in text)
    return frozenset(units)


# --- negation and opposites ----------------------------------------------------------------

_NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "none",
        "nobody",
        "nothing",
        "nowhere",
        "neither",
        "nor",
        "cannot",
        "without",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "cant",
        "couldnt",
        "wont",
        "wouldnt",
        "shouldnt",
        "mustnt",
        "hasnt",
        "havent",
        "hadnt",
    }
)


def negation_parity(text: str) -> bool:
    """True if `text` contains an odd number of negations (i.e. it reads as negated)."""
    count = 0
    for word in _WORD_RE.findall(text.lower().replace("\u2019", "'")):
        if word.endswith("n't") or word.replace("'", "") in _NEGATIONS:
            count += 1
    return count % 2 == 1


_OPPOSITE_PAIRS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("on",), ("off",)),
    (
        ("enable", "enabled", "enables", "enabling"),
        ("disable", "disabled", "disables", "disabling"),
    ),
    (
        ("increase", "increased", "increases", "increasing"),
        (
            "decrease",
            "decreased",
            "decreases",
            "decreasing",
            "reduce",
            "reduced",
            "reducing",
        ),
    ),
    (("before",), ("after",)),
    (
        ("min", "minimum", "minimal", "smallest", "lowest", "least", "fewest"),
        ("max", "maximum", "maximal", "largest", "biggest", "highest", "most"),
    ),
    (
        ("add", "added", "adds", "adding"),
        (
            "remove",
            "removed",
            "removes",
            "removing",
            "delete",
            "deleted",
            "deletes",
            "deleting",
        ),
    ),
    (("open", "opened", "opens", "opening"), ("close", "closed", "closes", "closing")),
    (("true",), ("false",)),
    (("yes",), ("no",)),
    (
        ("start", "started", "starts", "starting"),
        ("stop", "stopped", "stops", "stopping"),
    ),
    (("show", "showing", "shows", "shown"), ("hide", "hiding", "hides", "hidden")),
    (
        ("install", "installed", "installing", "installs"),
        ("uninstall", "uninstalled", "uninstalling", "uninstalls"),
    ),
    (("upload", "uploaded", "uploading"), ("download", "downloaded", "downloading")),
    (("import", "imported", "importing"), ("export", "exported", "exporting")),
    (
        ("encode", "encoded", "encoding", "encrypt", "encrypted", "encryption"),
        ("decode", "decoded", "decoding", "decrypt", "decrypted", "decryption"),
    ),
    (("lock", "locked", "locking"), ("unlock", "unlocked", "unlocking")),
    (
        ("allow", "allowed", "allowing", "accept", "accepted"),
        ("deny", "denied", "block", "blocked", "blocking", "reject", "rejected"),
    ),
    (
        ("connect", "connected", "connecting"),
        ("disconnect", "disconnected", "disconnecting"),
    ),
    (("buy", "buying", "bought"), ("sell", "selling", "sold")),
    (("push", "pushed", "pushing"), ("pull", "pulled", "pulling")),
    (("up", "upper", "uppercase"), ("down", "lower", "lowercase")),
    (
        ("more", "bigger", "larger", "higher", "longer"),
        ("less", "smaller", "shorter", "fewer"),
    ),
    (("first", "earliest", "oldest"), ("last", "latest", "newest")),
    (("ascending", "asc"), ("descending", "desc")),
    (("above",), ("below",)),
    (("left",), ("right",)),
    (("input", "inputs"), ("output", "outputs")),
    (("read", "reads", "reading"), ("write", "writes", "writing", "wrote", "written")),
    (("send", "sending", "sent"), ("receive", "receiving", "received")),
    (("login", "signin"), ("logout", "signout")),
    (("include", "including", "included"), ("exclude", "excluding", "excluded")),
    (("hot", "warm"), ("cold", "cool")),
    (("fast", "faster", "fastest"), ("slow", "slower", "slowest")),
    (("best", "better"), ("worst", "worse")),
    (("pros", "advantages", "benefits"), ("cons", "disadvantages", "drawbacks")),
)
_SIDE_BY_WORD: dict[str, tuple[int, int]] = {
    word: (index, side)
    for index, pair in enumerate(_OPPOSITE_PAIRS)
    for side, words in enumerate(pair)
    for word in words
}


def opposite_sides(text: str) -> dict[int, frozenset[int]]:
    """For each opposite pair the text touches, which side(s) of it the text uses."""
    sides: dict[int, set[int]] = {}
    for word in _WORD_RE.findall(text.lower()):
        hit = _SIDE_BY_WORD.get(word)
        if hit is not None:
            sides.setdefault(hit[0], set()).add(hit[1])
    return {index: frozenset(found) for index, found in sides.items()}


# --- named entities ------------------------------------------------------------------------

# Names people often type in lower case, where capitalisation cannot be relied on.
_KNOWN_NAMES = frozenset(
    {
        "python",
        "javascript",
        "typescript",
        "java",
        "rust",
        "ruby",
        "php",
        "kotlin",
        "swift",
        "golang",
        "scala",
        "haskell",
        "perl",
        "sql",
        "mysql",
        "postgres",
        "postgresql",
        "sqlite",
        "mongodb",
        "redis",
        "bash",
        "powershell",
        "excel",
        "linux",
        "windows",
        "macos",
        "ubuntu",
        "debian",
        "android",
        "ios",
        "react",
        "vue",
        "angular",
        "django",
        "flask",
        "fastapi",
        "docker",
        "kubernetes",
        "aws",
        "azure",
        "gcp",
        "git",
        "npm",
        "pip",
        "c",
        "c++",
        "c#",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    }
)
_KNOWN_NAME_RE = re.compile(r"(?<![\w+#])(c\+\+|c#|[a-z]+)(?![\w+#])")

_QUOTED_RE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|`([^`]+)`|(?<!\w)'([^']+)'(?!\w)")
_CODE_RES = (
    re.compile(r"(?<!\S)--?[A-Za-z][\w-]*"),  # CLI flags, not "big-O"
    re.compile(r"\b[A-Za-z_]\w*(?:(?:\.|::|->)[A-Za-z_]\w*)+(?:\(\))?"),  # dotted / paths
    re.compile(r"\b[A-Za-z]\w*\(\)"),  # calls
    re.compile(r"\b\w*[a-z0-9]_\w+\b|\b_\w+\b"),  # snake_case, _private
    re.compile(r"\b[a-z]+[A-Z]\w*\b"),  # camelCase
)
# A plural "s" is dropped so "APIs" and "API" are the same name.
_ACRONYM_RE = re.compile(r"\b([A-Z][A-Z0-9]+)s?\b")
_TOKEN_RE = re.compile(r"[A-Za-z][\w-]*|[.!?:;\n]")
_SENTENCE_END = frozenset(".!?:;\n")
_NOT_NAMES = frozenset({"I", "OK", "Ok", "e.g", "i.e", "E.g", "I.e"})


def _capitalised_names(text: str) -> set[str]:
    names: set[str] = set()
    at_start = True
    for token in _TOKEN_RE.findall(text):
        if token in _SENTENCE_END:
            at_start = True
            continue
        if not at_start and token[0].isupper() and token not in _NOT_NAMES:
            acronym = _ACRONYM_RE.fullmatch(token)
            names.add(acronym.group(1) if acronym else token)
        at_start = False
    return names


def extract_entities(text: str) -> frozenset[str]:
    """Lower-cased names, acronyms, quoted strings and identifiers in `text`.

    A capitalised word at the start of a sentence is not taken as a name (it is just the
    first word); if it is a name, the other text usually mentions it where it is.
    """
    found = set(_capitalised_names(text))
    letters = [c for c in text if c.isalpha()]
    # In a text typed in caps lock every word looks like an acronym.
    if letters and sum(c.isupper() for c in letters) / len(letters) < 0.6:
        found.update(_ACRONYM_RE.findall(text))
    for match in _QUOTED_RE.finditer(text):
        found.add(next(group for group in match.groups() if group is not None).strip())
    for pattern in _CODE_RES:
        found.update(m.group() for m in pattern.finditer(text))
    found.update(m for m in _KNOWN_NAME_RE.findall(text.lower()) if m in _KNOWN_NAMES)
    return frozenset(e.lower() for e in found if e.strip() and e not in _NOT_NAMES)


def _mentions(text_lower: str, entity: str) -> bool:
    # Whole-word match, so "java" is not found inside "javascript"; a plural "s" is allowed
    # so "API" is found in "APIs".
    pattern = r"(?<![\w])" + re.escape(entity) + r"s?(?![\w])"
    return re.search(pattern, text_lower) is not None


def _missing(entities: Iterable[str], other_lower: str) -> list[str]:
    return sorted(e for e in entities if not _mentions(other_lower, e))


# --- the checks ----------------------------------------------------------------------------


def numbers_agree(a: str, b: str) -> GuardResult:
    na, nb = extract_numbers(a), extract_numbers(b)
    if na != nb:
        return GuardResult(False, f"numbers differ: {sorted(na)} vs {sorted(nb)}")
    return _AGREE


def units_agree(a: str, b: str) -> GuardResult:
    ua, ub = extract_units(a), extract_units(b)
    # Only a conflict counts: "a cup of tea" vs "brew tea", or "what year" vs "when", name
    # a unit on one side only without asking something different.
    if ua and ub and ua != ub:
        return GuardResult(False, f"units differ: {sorted(ua)} vs {sorted(ub)}")
    return _AGREE


def negations_agree(a: str, b: str) -> GuardResult:
    pa, pb = negation_parity(a), negation_parity(b)
    if pa != pb:
        return GuardResult(False, f"negation differs: {'a' if pa else 'b'} is negated")
    sa, sb = opposite_sides(a), opposite_sides(b)
    for index in sorted(sa.keys() & sb.keys()):
        if sa[index] != sb[index]:
            left, right = _OPPOSITE_PAIRS[index]
            return GuardResult(False, f"opposites differ: {left[0]}/{right[0]}")
    return _AGREE


def entities_agree(a: str, b: str) -> GuardResult:
    a_lower, b_lower = a.lower(), b.lower()
    only_a = _missing(extract_entities(a), b_lower)
    only_b = _missing(extract_entities(b), a_lower)
    if only_a or only_b:
        return GuardResult(False, f"entities differ: {only_a} vs {only_b}")
    return _AGREE


_CHECKS = (numbers_agree, units_agree, negations_agree, entities_agree)


def guards_agree(a: str, b: str) -> GuardResult:
    """Whether `a` and `b` may share a cached answer as far as the lexical guards can tell.

    Call this only for pairs that already passed the similarity threshold; it does not look
    at meaning, only at details embeddings blur: numbers, units, negation and opposite
    actions, and named things.
    """
    for check in _CHECKS:
        result = check(a, b)
        if not result:
            return result
    return _AGREE


def is_eligible_for_semantic(text: str) -> bool:
    """Whether a prompt is long enough for a semantic (nearest-neighbour) lookup at all."""
    stripped = text.strip()
    return len(stripped) >= MIN_ELIGIBLE_CHARS and len(_WORD_RE.findall(stripped.lower())) >= MIN_ELIGIBLE_WORDS
