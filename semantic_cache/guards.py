"""False-hit guards: cheap lexical checks run after the vector similarity threshold.

Embeddings place "what is 15% of 80" and "what is 15% of 90" (or "capital of France" and
"capital of Spain", "zoom in" and "zoom out", "Celsius to Fahrenheit" and "Fahrenheit to
Celsius") very close together, because they share almost every token. Serving one's cached
answer for the other is the costly mistake of a semantic cache, so a candidate hit must also
pass these checks. They are deliberately one-sided: when unsure, they say "different", which
only costs a cache miss.

Everything here is a pure function of the two strings. `guards_agree` is on the request path:
each text is tokenised once and every table is built at import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

# Chosen with tests/benchmarks/bench_semantic_threshold.py on the labelled pairs in
# semantic_cache/eval_data/ for sentence-transformers/all-MiniLM-L6-v2; the table and the
# reasoning are in docs/semantic-threshold.md. Re-measure for another model.
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
# Words plus the punctuation and arrows that end a phrase, for the rules that look at order.
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|->|[→.,;:!?()\"]")
# Arrows stay among the words: they are connectors, like "to".
_PUNCTUATION = frozenset({".", ",", ";", ":", "!", "?", "(", ")", '"'})
# "non-empty" and "nonempty" are one word, so the prefix rule below sees both the same way.
_PREFIX_HYPHEN_RE = re.compile(r"\b(non|un|de|dis|pre|post)-(?=[a-z])")


class _Text(NamedTuple):
    """One side of a comparison, tokenised once for all the checks (a tuple: cheap to build)."""

    raw: str
    lower: str
    tokens: tuple[str, ...]  # words and phrase-ending punctuation, in order
    words: tuple[str, ...]  # lower case, "’" read as "'"
    word_set: frozenset[str]


def _parse(text: str) -> _Text:
    lower = text.lower()
    normalised = lower.replace("\u2019", "'")
    if "-" in normalised:
        normalised = _PREFIX_HYPHEN_RE.sub(r"\1", normalised)
    tokens = tuple(_TOKEN_RE.findall(normalised))
    words = tuple([t for t in tokens if t not in _PUNCTUATION])
    return _Text(text, lower, tokens, words, frozenset(words))


# Word lists are written as plain text, which keeps long lists readable and short.


def _words(spec: str) -> frozenset[str]:
    """ "a b c" -> {"a", "b", "c"}"""
    return frozenset(spec.split())


def _table(spec: str) -> dict[str, str]:
    """ "a=1 b=2" -> {"a": "1", "b": "2"}"""
    return {word: value for word, value in (item.split("=") for item in spec.split())}


def _pairs(spec: str) -> tuple[tuple[str, str], ...]:
    """ "a b | c; d | e" -> (("a b", "c"), ("d", "e")); "#" starts a comment."""
    items = re.sub(r"#[^\n]*", "", spec).split(";")
    return tuple((left.strip(), right.strip()) for left, right in (i.split("|") for i in items if i.strip()))


# --- numbers -------------------------------------------------------------------------------

# A leading minus counts only where it cannot be a range or a hyphen ("3-5", "gpt-4").
_NUMBER_RE = re.compile(r"(?:(?<![\w)])-)?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?:(?<![\w)])-)?\d+(?:\.\d+)?")
# Most prompts have no digit, and this finds that out far faster than _NUMBER_RE.
_DIGIT_RE = re.compile(r"\d")

# "one" is left out on purpose: "which one", "the one that" are far more common than the
# number, and a missing number only costs a miss.
_NUMBER_WORDS = _table(
    "zero=0 two=2 three=3 four=4 five=5 six=6 seven=7 eight=8 nine=9 ten=10 eleven=11 twelve=12 "
    "thirteen=13 fourteen=14 fifteen=15 sixteen=16 seventeen=17 eighteen=18 nineteen=19 twenty=20 "
    "thirty=30 forty=40 fifty=50 sixty=60 seventy=70 eighty=80 ninety=90 hundred=100 thousand=1000 "
    "million=1000000 billion=1000000000 half=0.5 twice=2 double=2 triple=3"
)


def _numbers(text: _Text) -> frozenset[str]:
    # Only thousands separators go: "3.10" and "3.1" stay apart because versions differ.
    found: set[str] = set()
    if _DIGIT_RE.search(text.raw):
        found.update(m.group().replace(",", "") for m in _NUMBER_RE.finditer(text.raw))
    found.update(_NUMBER_WORDS[w] for w in text.word_set & _NUMBER_WORDS.keys())
    return frozenset(found)


def extract_numbers(text: str) -> frozenset[str]:
    """Canonical numbers mentioned in `text`, digits or simple number words."""
    return _numbers(_parse(text))


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
_SYMBOL_RE = re.compile("[$€£¥%]")
# "5kg", "10km", "3.5GB": a number glued to its unit.
_GLUED_UNIT_RE = re.compile(r"\d([a-z]+)\b")


def _units(text: _Text) -> frozenset[str]:
    units = {_UNIT_BY_WORD[w] for w in text.word_set & _UNIT_BY_WORD.keys()}
    if _DIGIT_RE.search(text.raw):
        units.update(_UNIT_BY_WORD[g] for g in _GLUED_UNIT_RE.findall(text.lower) if g in _UNIT_BY_WORD)
    if _SYMBOL_RE.search(text.raw):
        units.update(unit for symbol, unit in _SYMBOL_UNITS.items() if symbol in text.raw)
    return frozenset(units)


def extract_units(text: str) -> frozenset[str]:
    """Canonical units of measure or currency mentioned in `text`."""
    return _units(_parse(text))


# --- negation ------------------------------------------------------------------------------

_NEGATIONS = _words(
    "not no never none nobody nothing nowhere neither nor cannot without dont doesnt didnt isnt arent "
    "wasnt werent cant couldnt wont wouldnt shouldnt mustnt hasnt havent hadnt"
)


def _negated(text: _Text) -> bool:
    count = sum(
        1
        for w in text.words
        if w in _NEGATIONS or ("'" in w and (w.endswith("n't") or w.replace("'", "") in _NEGATIONS))
    )
    return count % 2 == 1


def negation_parity(text: str) -> bool:
    """True if `text` contains an odd number of negations (i.e. it reads as negated)."""
    return _negated(_parse(text))


# --- opposites: word lists -----------------------------------------------------------------
#
# A near miss often differs by one word that flips the meaning ("enable"/"disable", "zoom
# in"/"zoom out", "raise"/"lower"). Each rule below looks only at what differs between the
# two texts: a word (or particle, or ordered pair) found in both says nothing about a
# difference, and synonyms on the same side agree.

# Pairs of opposite meanings, written "side | other side;". Each side lists words that count
# as the same side. A word ending in "+" is a verb whose regular forms count too ("stop+":
# stops, stopped, stopping). A word may sit in several pairs: "lower" is the opposite of
# "raise" and of "upper".
_OPPOSITES = _pairs(
    """
    # amount and size: verbs and comparatives share a side, so "increase" vs "smaller" counts
    increase+ raise+ grow+ expand+ enlarge+ boost+ amplify+ maximize+ maximise+ increment+ inflate+ lengthen+
        widen+ more bigger larger higher greater taller longer wider heavier turn_up
    | decrease+ reduce+ lower+ shrink+ diminish+ lessen+ minimize+ minimise+ decrement+ deflate+ shorten+
        narrow+ truncate+ collapse+ less fewer smaller shorter narrower turn_down;
    min minimum minimal minima smallest lowest least fewest shortest
    | max maximum maximal maxima largest biggest highest greatest most tallest longest;
    high | low; big large huge | small tiny; long | short; tall | short; wide | narrow; thick | thin;
    deep | shallow; plus | minus; multiply+ multiplication | divide+ division; even | odd; prime | composite;
    positive | negative; true | false; yes | no;

    # actions and their undoing
    enable+ activate+ turn_on switch_on power_on | disable+ deactivate+ turn_off switch_off power_off;
    add+ insert+ append+ include+ attach+ install+ create+
    | remove+ delete+ erase+ drop+ exclude+ detach+ uninstall+ destroy+ strip+ eliminate+ subtract+;
    start+ begin+ launch+ boot+ resume+ startup
    | stop+ end+ halt+ finish+ terminate+ kill+ quit+ exit+ pause+ suspend+ shut+ shutdown;
    allow+ permit+ accept+ approve+ grant+ whitelist+
    | deny+ reject+ block+ forbid+ ban+ refuse+ decline+ revoke+ blacklist+;
    open+ | close+ shut+; show+ display+ reveal+ unhide+ | hide+ conceal+; upload+ | download+; push+ | pull+;
    push+ | pop+; import+ | export+; send+ | receive+; buy+ purchase+ | sell+; win+ gain+ | lose+;
    borrow+ | lend+; save+ | load+; read+ | write+; remember+ | forget+; hire+ | fire+; pass+ succeed+ | fail+;
    love+ | hate+; attack+ | defend+; enter+ | exit+; arrive+ | depart+; rise+ | fall+ drop+ sink+;
    join+ merge+ combine+ concatenate+ concat+ | split+ separate+; undo+ | redo+; tighten+ | loosen+;
    strengthen+ | weaken+; brighten+ | darken+ dim+; lock+ | unlock+; mount+ | unmount+ dismount+ eject+;
    connect+ | disconnect+; subscribe+ | unsubscribe+; follow+ | unfollow+; freeze+ | unfreeze+ thaw+;
    select+ | deselect+ unselect+; mute+ | unmute+; encrypt+ encipher+ | decrypt+ decipher+;
    encode+ serialize+ serialise+ stringify+ marshal+ | decode+ deserialize+ deserialise+ parse+ unmarshal+;
    compress+ zip+ pack+ | decompress+ unzip+ unpack+ extract+;
    heat+ warm+ hot hotter hottest warmer | cool+ chill+ cold colder coldest cooler;
    accelerate+ speed+ fast faster fastest quick quicker quickly speedup
    | decelerate+ slow+ slower slowest slowly slowdown;
    promote+ | demote+; ascend+ asc | descend+ desc;

    # judgements
    best better | worst worse; good | bad; easy easier easiest simple simpler | hard harder hardest difficult;
    soft softer | hard harder; safe safer safest | dangerous unsafe harmful toxic;
    cheap cheaper cheapest inexpensive | expensive costly pricey; rich richer wealthy | poor poorer;
    strong stronger | weak weaker; loud louder | quiet quieter; happy | sad;
    pros advantage advantages benefit benefits upside upsides
    | cons disadvantage disadvantages drawback drawbacks downside downsides;
    success successful | failure unsuccessful; right correct | wrong incorrect;

    # time and order
    first earliest oldest initial | last latest newest final recent; old older | new newer;
    before prior earlier | after later afterwards; early | late; pre | post;
    previous prev preceding | next subsequent; past yesterday | future tomorrow; day daytime | night nighttime;
    morning sunrise | evening sunset; summer | winter;

    # place and direction
    above | below; top | bottom; left | right; front frontend | back backend rear; north northern | south southern;
    east eastern | west western; inner | outer; inside interior | outside exterior;
    forward forwards ahead | backward backwards behind; upward upwards | downward downwards;
    uppercase upper | lowercase lower; horizontal horizontally | vertical vertically; portrait | landscape;
    floor | ceiling ceil; head | tail; prefix | suffix; input inputs | output outputs; internal | external;
    inbound incoming | outbound outgoing; upstream | downstream; online | offline; local | remote;

    # the two ends of one relation: same vocabulary, different question
    key keys | value values; row rows | column columns; width | height; latitude | longitude;
    numerator | denominator; client clients | server servers; sender | receiver recipient;
    parent parents | child children; source src | destination dest target; buyer | seller; lender | borrower;
    employer | employee; producer | consumer; superclass | subclass; predecessor | successor;
    cause causes | effect effects consequence consequences; synonym synonyms | antonym antonyms;
    singular | plural; husband | wife; male men man | female women woman; boy boys | girl girls;
    father dad | mother mom mum; beginner beginners novice | expert experts advanced; junior | senior;
    profit profits | loss losses; debit | credit; income revenue | expense expenses expenditure;
    asset assets | liability liabilities; public | private; global | local; absolute | relative;
    static | dynamic; synchronous sync synchronously | asynchronous async asynchronously;
    symmetric | asymmetric; light | dark; black | white; acid acidic | alkaline;
    """
)

# "de-" undoes only some verbs ("decompress"), and is no prefix at all in many words that
# look like it ("define", "design", "detail"), so it is listed by verb rather than guessed.
_DE_VERBS = (
    "activate allocate authorize centralize classify compile compose compress construct escalate frost hydrate "
    "humidify initialize install magnetize modulate multiplex normalize obfuscate prioritize register regulate "
    "select sensitize serialize stabilize value"
)
# Adjectives negated by in-/im-/il-/ir- (the spelling follows the first letter); listed
# because "in" starts too many unrelated words ("install", "inform", "index").
_IN_ADJECTIVES = (
    "accessible accurate active adequate appropriate balanced capable compatible complete consistent correct "
    "credible decent definite dependent direct efficient finite formal frequent legal legible logical mature "
    "mobile mortal mutable patient perfect polite possible probable proper rational regular relevant reversible "
    "responsible secure sensitive sufficient valid visible"
)


def _negative_prefix(adjective: str) -> str:
    return "im" if adjective[0] in "bmp" else "il" if adjective[0] == "l" else "ir" if adjective[0] == "r" else "in"


_ALL_OPPOSITES = (
    _OPPOSITES
    + tuple((f"{verb}+", f"de{verb}+") for verb in _DE_VERBS.split())
    + tuple((adj, _negative_prefix(adj) + adj) for adj in _IN_ADJECTIVES.split())
)

_IRREGULAR_FORMS = _table(
    "begin=began,begun buy=bought fall=fell,fallen forget=forgot,forgotten freeze=froze,frozen grow=grew,grown "
    "hide=hid,hidden lend=lent lose=lost redo=redid,redone rise=rose,risen sell=sold send=sent show=shown "
    "shrink=shrank,shrunk sink=sank,sunk speed=sped undo=undid,undone win=won write=wrote,written"
)


def _verb_forms(verb: str) -> set[str]:
    """`verb` and its regular inflections ("stop" -> stops, stopped, stopping).

    It over-generates on purpose ("open" also gives "openned"): a form nobody writes costs
    nothing, while a missing real one lets a near miss through.
    """
    forms = {verb, *_IRREGULAR_FORMS.get(verb, "").split(",")} - {""}
    consonant_y = verb.endswith("y") and verb[-2:-1] not in ("a", "e", "i", "o", "u")
    if verb.endswith(("s", "x", "z", "ch", "sh")):
        forms.add(verb + "es")
    elif consonant_y:
        forms.update((verb[:-1] + "ies", verb[:-1] + "ied"))
    else:
        forms.add(verb + "s")
    if verb.endswith("ie"):
        forms.update((verb + "d", verb[:-2] + "ying"))
    elif verb.endswith("e"):
        forms.update((verb + "d", verb[:-1] + "ing", verb + "ing"))  # closing, agreeing
    else:
        forms.update((verb + "ed", verb + "ing"))
        if verb[-1] not in "aeiouwxy":  # stopped, zipping
            forms.update((verb + verb[-1] + "ed", verb + verb[-1] + "ing"))
    return forms


def _index_opposites(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[tuple[int, int], ...]]:
    """word -> every (pair, side) it belongs to."""
    index: dict[str, list[tuple[int, int]]] = {}
    for pair_index, pair in enumerate(pairs):
        for side, spec in enumerate(pair):
            for word in spec.split():
                forms = _verb_forms(word[:-1]) if word.endswith("+") else {word}
                for form in forms:
                    index.setdefault(form, []).append((pair_index, side))
    return {word: tuple(dict.fromkeys(found)) for word, found in index.items()}


_SIDES_BY_WORD = _index_opposites(_ALL_OPPOSITES)


def _pair_sides(words: Iterable[str]) -> dict[int, dict[int, list[str]]]:
    """pair -> side -> the words of `words` on that side."""
    sides: dict[int, dict[int, list[str]]] = {}
    for word in words:
        for pair, side in _SIDES_BY_WORD.get(word, ()):
            sides.setdefault(pair, {}).setdefault(side, []).append(word)
    return sides


def _listed_opposite(only_a: Iterable[str], only_b: Iterable[str]) -> tuple[str, str] | None:
    """Words of the two texts on opposite sides of a pair in _OPPOSITES, if any."""
    sides_a, sides_b = _pair_sides(only_a), _pair_sides(only_b)
    for pair in sorted(sides_a.keys() & sides_b.keys()):
        # Each text must be on a side the other does not touch; merely different sides are
        # not enough: "unzip" vs "extract the zip file" share a side, and "zip" is a noun there.
        if sides_a[pair].keys().isdisjoint(sides_b[pair].keys()):
            # Disjoint, with two sides: each text is on exactly one.
            (used_a,), (used_b,) = sides_a[pair].values(), sides_b[pair].values()
            return "/".join(used_a), "/".join(used_b)
    return None


# --- opposites: prefixes -------------------------------------------------------------------

# Prefix swaps that turn a word into its opposite, for words no list can hold: "mount" /
# "unmount", "upstream" / "downstream", "overfit" / "underfit", "preorder" / "postorder".
_PREFIX_PAIRS = _pairs(
    "| un; | dis; | non; en | de; en | dis; in | ex; im | ex; in | out; up | down; over | under; pre | post; max | min; inc | dec"
)


def _swaps(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """prefix -> the prefixes that make its opposite. "" (no prefix) is not a key: an
    unprefixed word is found from its prefixed partner ("unmount" looks for "mount")."""
    swaps: dict[str, tuple[str, ...]] = {}
    for left, right in pairs:
        for prefix, opposite in ((left, right), (right, left)):
            if prefix:
                swaps[prefix] = (*swaps.get(prefix, ()), opposite)
    return swaps


_SWAPS = _swaps(_PREFIX_PAIRS)
# Looked up by a word's first letter, so each word is tried against one to three prefixes.
_PREFIXES_BY_INITIAL = {
    initial: tuple(p for p in sorted(_SWAPS) if p[0] == initial) for initial in {p[0] for p in _SWAPS}
}
_MIN_STEM = 3
# Words that only look prefixed ("display" is not "dis-play"), or whose swap is no opposite
# ("income" / "outcome"); matched as word starts so "displayed" is covered too.
_NOT_PREFIXED = tuple(
    _words(
        "unless union unit until display discover discount discuss dispatch dispos dismiss disclos dissolv distract "
        "distribut dissent distill dispers dispens distort disgust disguis diseas discard discours dismay distend "
        "dismantl disband dissect disport disarray disjoint dismember entail detail deter develop envelop enclos "
        "intend extend incite excit inhibit exhibit intent extent inception exception impos expos impress express "
        "impend expend impound expound implor explor income outcome inline outline inset outset upright downright "
        "overtake undertake overwrite underwrite overlay underlay"
    )
)


def _prefix_opposite(only_a: Iterable[str], only_b: Iterable[str]) -> tuple[str, str] | None:
    """A word of one text whose prefix swap ("un" + "mount") is a word of the other, if any."""
    for words, others, flip in ((only_a, only_b, False), (only_b, only_a, True)):
        for word in words:
            for prefix in _PREFIXES_BY_INITIAL.get(word[0], ()):
                stem = word[len(prefix) :]
                if not word.startswith(prefix) or len(stem) < _MIN_STEM or word.startswith(_NOT_PREFIXED):
                    continue
                for swap in _SWAPS[prefix]:
                    other = swap + stem
                    if other not in others or other.startswith(_NOT_PREFIXED):
                        continue
                    # Words the list knows were judged there, synonyms included ("unzip" vs
                    # "extract the zip file").
                    if not (word in _SIDES_BY_WORD and other in _SIDES_BY_WORD):
                        return (other, word) if flip else (word, other)
    return None


# --- opposites: particles, and direction ---------------------------------------------------

# "in", "on", "up" are everywhere ("a list in Python"), so they count only as the particle
# of a word both texts share: "zoom in" vs "zoom out", "turn the heating on" vs "... off".
_PARTICLE_PAIRS = _pairs("in into | out; on onto | off; up | down")
_PARTICLE_SIDES = {
    word: (pair, side)
    for pair, sides in enumerate(_PARTICLE_PAIRS)
    for side, spec in enumerate(sides)
    for word in spec.split()
}
_PARTICLE_WORDS = frozenset(_PARTICLE_SIDES)
# Connectors whose two sides must not swap: "convert X to Y" vs "Y to X", "A faster than B".
# "from" points the other way ("to Y from X" is "X to Y"). "in" is a connector only between
# two units ("cups in a liter" vs "liters in a cup"): elsewhere it is "a list in Python".
_CONNECTORS = {**dict.fromkeys(("to", "into", "than", "->", "→"), "forward"), "from": "backward", "in": "units"}
_CONNECTOR_WORDS = frozenset(_CONNECTORS)
# The scan for a particle's verb or a connector's operands stops at these: they start another
# phrase. Function words are skipped: they name nothing.
_PHRASE_BREAKS = _words(
    '. , ; : ! ? ( ) " -> → in into on onto off out up down over under at by for from to with without of about '
    "as via using than through between within across per and or but nor then if when where while whether "
    "because so what which who whom whose why how what's how's where's who's vs versus"
)
_FUNCTION_WORDS = _words(
    "a an the this that these those my your his her its our their me you i he she it we they him us them myself "
    "yourself itself some any each every all both is are was were be been being am do does did have has had can "
    "could will would shall should may might must please just very too also really many much it's i'm"
)
# How far (in words) a particle may sit from its word, or an operand from its connector.
_SCAN_TOKENS = 4


@lru_cache(maxsize=4096)  # the same words come back request after request
def _stem(word: str) -> str:
    """A crude stem, only good for telling whether two texts use the same word: "logged",
    "logs" and "log" all give "log"; "strings" and "string" give "str"."""
    word = word.removesuffix("'s")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):  # plural first: "strings"
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word


def _neighbours(tokens: tuple[str, ...], at: int, step: int) -> list[str]:
    """Content words next to tokens[at] (before it for step -1, after for +1), within its phrase."""
    found = []
    for i in range(at + step, at + step * (_SCAN_TOKENS + 1), step):
        if not 0 <= i < len(tokens) or tokens[i] in _PHRASE_BREAKS:
            break
        if tokens[i] not in _FUNCTION_WORDS and not tokens[i].endswith("n't"):
            found.append(tokens[i])
    return found


def _operand(word: str) -> str:
    return _UNIT_BY_WORD.get(word) or _stem(word)


def _particles(text: _Text, pairs: set[int]) -> dict[tuple[int, str, int], str]:
    """(particle pair, stem of its word, side) -> the word as written, for each particle of
    `pairs` and each word before it that it may belong to."""
    found: dict[tuple[int, str, int], str] = {}
    for at, token in enumerate(text.tokens):
        hit = _PARTICLE_SIDES.get(token)
        if hit is not None and hit[0] in pairs:
            for head in _neighbours(text.tokens, at, -1):
                found.setdefault((hit[0], _stem(head), hit[1]), head)
    return found


def _particle_opposite(a: _Text, b: _Text) -> tuple[str, str] | None:
    """The same word with opposite particles in the two texts ("zoom in" / "zoom out"), if any."""
    # Scanned only for a pair with both sides in sight ("in" here, "out" there): usually none.
    present = {_PARTICLE_SIDES[w] for w in (a.word_set | b.word_set) & _PARTICLE_WORDS}
    pairs = {pair for pair, side in present if side == 1 and (pair, 0) in present}
    if not pairs:
        return None
    particles_a, particles_b = _particles(a, pairs), _particles(b, pairs)
    sides_a = _sides_by_head(particles_a.keys() - particles_b.keys())
    sides_b = _sides_by_head(particles_b.keys() - particles_a.keys())
    for pair, head in sorted(sides_a.keys() & sides_b.keys()):
        if sides_a[pair, head].isdisjoint(sides_b[pair, head]):
            (side_a,), (side_b,) = sides_a[pair, head], sides_b[pair, head]
            word_a, word_b = particles_a[pair, head, side_a], particles_b[pair, head, side_b]
            return (
                f"{word_a} {_PARTICLE_PAIRS[pair][side_a].split()[0]}",
                f"{word_b} {_PARTICLE_PAIRS[pair][side_b].split()[0]}",
            )
    return None


def _sides_by_head(particles: Iterable[tuple[int, str, int]]) -> dict[tuple[int, str], set[int]]:
    sides: dict[tuple[int, str], set[int]] = {}
    for pair, head, side in particles:
        sides.setdefault((pair, head), set()).add(side)
    return sides


# Verbs whose particle is the whole meaning: "turn off" is "disable", "turn down" is "lower".
# Written "turn_off" in _OPPOSITES, so they meet the single words there.
_PARTICLE_VERBS = frozenset({"turn", "switch", "power"})
_PARTICLE_VERB_FORMS = frozenset(form for verb in _PARTICLE_VERBS for form in _verb_forms(verb))


def _phrasal_verbs(text: _Text) -> frozenset[str]:
    """ "turn_off" for "turn off the light" or "turn the light off", and so on."""
    if text.word_set.isdisjoint(_PARTICLE_VERB_FORMS):
        return frozenset()
    found: set[str] = set()
    for at, token in enumerate(text.tokens):
        if token in _PARTICLE_SIDES:
            found.update(
                f"{verb}_{token}" for verb in map(_stem, _neighbours(text.tokens, at, -1)) if verb in _PARTICLE_VERBS
            )
    return frozenset(found)


def _directions(text: _Text) -> dict[tuple[str, str], tuple[str, str]]:
    """Ordered (from, to) pairs of words around direction connectors, normalised -> as written."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for at, token in enumerate(text.tokens):
        kind = _CONNECTORS.get(token)
        if kind is None:
            continue
        before, after = _neighbours(text.tokens, at, -1), _neighbours(text.tokens, at, 1)
        if kind == "units":
            before = [w for w in before if w in _UNIT_BY_WORD]
            after = [w for w in after if w in _UNIT_BY_WORD]
        elif kind == "backward":
            before, after = after, before
        for x in before:
            for y in after:
                key = (_operand(x), _operand(y))
                if key[0] != key[1]:
                    found.setdefault(key, (x, y))
    return found


# --- named entities ------------------------------------------------------------------------

# Names people often type in lower case, where capitalisation cannot be relied on.
_KNOWN_NAMES = _words(
    "python javascript typescript java rust ruby php kotlin swift golang scala haskell perl sql mysql postgres "
    "postgresql sqlite mongodb redis bash powershell excel linux windows macos ubuntu debian android ios react vue "
    "angular django flask fastapi docker kubernetes aws azure gcp git npm pip c c++ c# monday tuesday wednesday "
    "thursday friday saturday sunday january february march april june july august september october november "
    "december"
)
# The words of a text cannot tell "c++" and "c#" from "c"; this can.
_SYMBOL_NAME_RE = re.compile(r"(?<![\w+#])(c\+\+|c#)(?![\w+#])")

# A quote mark that can open a quotation (not the apostrophe in "what's"): most prompts have none.
_QUOTE_RE = re.compile(r"[\"“`]|(?<!\w)'")
_QUOTED_RE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|`([^`]+)`|(?<!\w)'([^']+)'(?!\w)")
# Most prompts hold no code at all, which one search finds out; each pattern then runs only
# if its own cheap precondition holds.
_MAYBE_CODE_RE = re.compile(r"[-_]|\(\)|\w(?:\.|::|->)[A-Za-z_]|[a-z][A-Z]")
_CODE_RES = (
    (re.compile(r"-").search, re.compile(r"(?<!\S)--?[A-Za-z][\w-]*")),  # CLI flags, not "big-O"
    (
        re.compile(r"\w(?:\.|::|->)[A-Za-z_]").search,
        re.compile(r"\b[A-Za-z_]\w*(?:(?:\.|::|->)[A-Za-z_]\w*)+(?:\(\))?"),  # dotted / paths
    ),
    (re.compile(r"\(\)").search, re.compile(r"\b[A-Za-z]\w*\(\)")),  # calls
    (re.compile(r"_").search, re.compile(r"\b\w*[a-z0-9]_\w+\b|\b_\w+\b")),  # snake_case, _private
    (re.compile(r"[a-z][A-Z]").search, re.compile(r"\b[a-z]+[A-Z]\w*\b")),  # camelCase
)
# A plural "s" is dropped so "APIs" and "API" are the same name.
_ACRONYM_RE = re.compile(r"\b([A-Z][A-Z0-9]+)s?\b")
# Every word, but only capitalised words after a sentence's first word are captured: the first
# alternative eats the first word of each sentence (and what ends the one before).
_NAME_TOKEN_RE = re.compile(r"(?:^|[.!?:;\n])[^A-Za-z.!?:;\n]*[A-Za-z][\w-]*|([A-Z][\w-]*)|[a-z][\w-]*")
_NOT_NAMES = frozenset({"I", "OK", "Ok", "e.g", "i.e", "E.g", "I.e"})
_UPPER_ASCII = bytes(range(ord("A"), ord("Z") + 1))
_LETTERS_ASCII = _UPPER_ASCII + bytes(range(ord("a"), ord("z") + 1))


def _mostly_upper(text: str) -> bool:
    # Counted on the ASCII bytes, which bytes.translate does in C: this runs on every request.
    data = text.encode()
    letters = len(data) - len(data.translate(None, _LETTERS_ASCII))
    upper = len(data) - len(data.translate(None, _UPPER_ASCII))
    return letters > 0 and upper / letters >= 0.6


def _capitalised_names(text: str) -> set[str]:
    names: set[str] = set()
    for token in _NAME_TOKEN_RE.findall(text):
        if token and token not in _NOT_NAMES:
            acronym = _ACRONYM_RE.fullmatch(token)
            names.add(acronym.group(1) if acronym else token)
    return names


def _entities(text: _Text) -> frozenset[str]:
    found = _capitalised_names(text.raw)
    # In a text typed in caps lock every word looks like an acronym.
    acronyms = _ACRONYM_RE.findall(text.raw)
    if acronyms and not _mostly_upper(text.raw):
        found.update(acronyms)
    if _QUOTE_RE.search(text.raw):
        for match in _QUOTED_RE.finditer(text.raw):
            found.add(next(group for group in match.groups() if group is not None).strip())
    if _MAYBE_CODE_RE.search(text.raw):
        for precondition, pattern in _CODE_RES:
            if precondition(text.raw):
                found.update(pattern.findall(text.raw))
    names = _KNOWN_NAMES.intersection(text.word_set)
    if "'s" in text.lower:  # "python's"
        names |= _KNOWN_NAMES.intersection(w[:-2] for w in text.words if w.endswith("'s"))
    # The words are ASCII runs, so "ünïcödé" yields a "c": keep only names that stand alone.
    found.update(name for name in names if _mentions(text.lower, name))
    if "+" in text.lower or "#" in text.lower:
        found.update(_SYMBOL_NAME_RE.findall(text.lower))
    return frozenset(e.lower() for e in found if e.strip() and e not in _NOT_NAMES)


def extract_entities(text: str) -> frozenset[str]:
    """Lower-cased names, acronyms, quoted strings and identifiers in `text`.

    A capitalised word at the start of a sentence is not taken as a name (it is just the
    first word); if it is a name, the other text usually mentions it where it is.
    """
    return _entities(_parse(text))


@lru_cache(maxsize=4096)  # names recur across requests; building the pattern costs more than the search
def _mention_re(entity: str) -> re.Pattern[str]:
    # Whole-word match, so "java" is not found inside "javascript"; a plural "s" is allowed
    # so "API" is found in "APIs".
    return re.compile(r"(?<![\w])" + re.escape(entity) + r"s?(?![\w])")


def _mentions(text_lower: str, entity: str) -> bool:
    # The substring test skips the regex for most misses.
    return entity in text_lower and _mention_re(entity).search(text_lower) is not None


def _missing(entities: Iterable[str], other_lower: str) -> list[str]:
    return sorted(e for e in entities if not _mentions(other_lower, e))


# --- the checks ----------------------------------------------------------------------------


def _numbers_agree(a: _Text, b: _Text) -> GuardResult:
    na, nb = _numbers(a), _numbers(b)
    if na != nb:
        return GuardResult(False, f"numbers differ: {sorted(na)} vs {sorted(nb)}")
    return _AGREE


def _units_agree(a: _Text, b: _Text) -> GuardResult:
    ua, ub = _units(a), _units(b)
    # Only a conflict counts: "a cup of tea" vs "brew tea", or "what year" vs "when", name
    # a unit on one side only without asking something different.
    if ua and ub and ua != ub:
        return GuardResult(False, f"units differ: {sorted(ua)} vs {sorted(ub)}")
    return _AGREE


def _negations_agree(a: _Text, b: _Text) -> GuardResult:
    pa, pb = _negated(a), _negated(b)
    if pa != pb:
        return GuardResult(False, f"negation differs: {'a' if pa else 'b'} is negated")
    return _AGREE


def _opposites_agree(a: _Text, b: _Text) -> GuardResult:
    words_a, words_b = a.word_set | _phrasal_verbs(a), b.word_set | _phrasal_verbs(b)
    only_a, only_b = sorted(words_a - words_b), sorted(words_b - words_a)
    found = _listed_opposite(only_a, only_b) or _prefix_opposite(only_a, only_b) or _particle_opposite(a, b)
    if found is not None:
        return GuardResult(False, f"opposites differ: {found[0]} vs {found[1]}")
    return _AGREE


def _directions_agree(a: _Text, b: _Text) -> GuardResult:
    if a.word_set.isdisjoint(_CONNECTOR_WORDS) or b.word_set.isdisjoint(_CONNECTOR_WORDS):
        return _AGREE
    da, db = _directions(a), _directions(b)
    for x, y in sorted(da.keys() - db.keys()):
        if (y, x) in db and (y, x) not in da:
            (from_a, to_a), (from_b, to_b) = da[x, y], db[y, x]
            return GuardResult(False, f"direction differs: {from_a} to {to_a} vs {from_b} to {to_b}")
    return _AGREE


def _entities_agree(a: _Text, b: _Text) -> GuardResult:
    only_a = _missing(_entities(a), b.lower)
    only_b = _missing(_entities(b), a.lower)
    if only_a or only_b:
        return GuardResult(False, f"entities differ: {only_a} vs {only_b}")
    return _AGREE


# Cheapest and most often decisive first; the first disagreement is the reason given.
_CHECKS = (_numbers_agree, _units_agree, _negations_agree, _opposites_agree, _directions_agree, _entities_agree)


def guards_agree(a: str, b: str) -> GuardResult:
    """Whether `a` and `b` may share a cached answer as far as the lexical guards can tell.

    Call this only for pairs that already passed the similarity threshold; it does not look
    at meaning, only at details embeddings blur: numbers, units, negation, opposite words
    and particles, reversed directions ("X to Y" vs "Y to X"), and named things.
    """
    ta, tb = _parse(a), _parse(b)
    for check in _CHECKS:
        result = check(ta, tb)
        if not result:
            return result
    return _AGREE


def is_eligible_for_semantic(text: str) -> bool:
    """Whether a prompt is long enough for a semantic (nearest-neighbour) lookup at all."""
    stripped = text.strip()
    return len(stripped) >= MIN_ELIGIBLE_CHARS and len(_WORD_RE.findall(stripped.lower())) >= MIN_ELIGIBLE_WORDS
