"""Word tables for the false-hit guards (semantic_cache/guards.py holds the rules).

Only data and the tiny helpers that read it. The tables are written as plain text, which
keeps long lists readable and short; guards.py turns them into lookup structures at import.
Everything is lower case unless said otherwise.
"""

from __future__ import annotations

import re


def words(spec: str) -> frozenset[str]:
    """ "a b c" -> {"a", "b", "c"}"""
    return frozenset(spec.split())


def table(spec: str) -> dict[str, str]:
    """ "a=1 b=2" -> {"a": "1", "b": "2"}"""
    return {word: value for word, value in (item.split("=") for item in spec.split())}


def pairs(spec: str) -> tuple[tuple[str, str], ...]:
    """ "a b | c; d | e" -> (("a b", "c"), ("d", "e")); "#" starts a comment."""
    items = re.sub(r"#[^\n]*", "", spec).split(";")
    return tuple((left.strip(), right.strip()) for left, right in (i.split("|") for i in items if i.strip()))


def groups(spec: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """ "Name: a | b c" lines -> (("Name", ("a", "b c")), ...); "#" starts a comment; a line
    starting with "|" continues the one before. Case kept."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for line in re.sub(r"#[^\n]*", "", spec).splitlines():
        line = line.strip()
        if line.startswith("|"):
            name, variants = found.pop()
            found.append((name, variants + tuple(v.strip() for v in line.split("|") if v.strip())))
        elif line:
            name, _, rest = line.partition(":")
            found.append((name.strip(), tuple(v.strip() for v in rest.split("|") if v.strip())))
    return tuple(found)


# --- numbers -------------------------------------------------------------------------------

# Number words that combine into one number: "twenty-five" is 25, "two hundred and five" 205,
# "three thousand" 3000. "one" counts only inside such a compound ("twenty-one", "one
# hundred"): alone it is far more often "which one" or "the one that" than the number.
NUMBER_UNITS = table(
    "zero=0 one=1 two=2 three=3 four=4 five=5 six=6 seven=7 eight=8 nine=9 ten=10 eleven=11 twelve=12 "
    "thirteen=13 fourteen=14 fifteen=15 sixteen=16 seventeen=17 eighteen=18 nineteen=19"
)
NUMBER_TENS = table("twenty=20 thirty=30 forty=40 fifty=50 sixty=60 seventy=70 eighty=80 ninety=90")
NUMBER_SCALES = table("hundred=100 thousand=1000 million=1000000 billion=1000000000 trillion=1000000000000")
# Words that stand for a number on their own and never combine.
# "2nd" and "second": the number rule reads the digits, and "second" is a unit to it.
ORDINALS = table("1=first 2=second 3=third 4=fourth 5=fifth 6=sixth 7=seventh 8=eighth 9=ninth 10=tenth")
NUMBER_ALONE = table("half=0.5 twice=2 double=2 triple=3 dozen=12")


# --- units ---------------------------------------------------------------------------------

UNIT_GROUPS: dict[str, tuple[str, ...]] = {
    "km": ("km", "kms", "kilometer", "kilometers", "kilometre", "kilometres", "kph", "kmh"),
    "mile": ("mi", "mile", "miles", "mph"),
    "m": ("meter", "meters", "metre", "metres"),
    "cm": ("cm", "centimeter", "centimeters", "centimetre", "centimetres"),
    "mm": ("mm", "millimeter", "millimeters", "millimetre", "millimetres"),
    "ft": ("ft", "foot", "feet"),
    "inch": ("inch", "inches"),
    "yard": ("yard", "yards", "yd", "yds"),
    "kg": ("kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"),
    "g": ("gram", "grams"),
    "tonne": ("tonne", "tonnes", "ton", "tons"),
    "lb": ("lb", "lbs", "pound", "pounds"),
    "oz": ("oz", "ounce", "ounces"),
    "l": ("liter", "liters", "litre", "litres"),
    "ml": ("ml", "milliliter", "milliliters", "millilitre", "millilitres"),
    "gallon": ("gallon", "gallons", "gal"),
    "cup": ("cup", "cups"),
    "tsp": ("tsp", "tsps", "teaspoon", "teaspoons"),
    "tbsp": ("tbsp", "tbsps", "tablespoon", "tablespoons"),
    "pint": ("pint", "pints"),
    "quart": ("quart", "quarts", "qt"),
    "celsius": ("celsius", "centigrade", "degc"),
    "fahrenheit": ("fahrenheit", "degf"),
    "kelvin": ("kelvin",),
    # Time: "epoch seconds" and "epoch milliseconds" ask different things.
    "nanosecond": ("ns", "nsec", "nsecs", "nanosecond", "nanoseconds"),
    "microsecond": ("usec", "usecs", "microsecond", "microseconds"),
    "millisecond": ("ms", "msec", "msecs", "millisecond", "milliseconds", "millis"),
    "second": ("sec", "secs", "seconds"),
    "minute": ("minute", "minutes", "mins"),
    "hour": ("hour", "hours", "hr", "hrs"),
    "day": ("day", "days"),
    "week": ("week", "weeks", "wk", "wks"),
    "month": ("month", "months"),
    "year": ("year", "years", "yr", "yrs"),
    "byte": ("byte", "bytes"),
    "kb": ("kb", "kilobyte", "kilobytes"),
    "mb": ("mb", "megabyte", "megabytes"),
    "gb": ("gb", "gigabyte", "gigabytes"),
    "tb": ("tb", "terabyte", "terabytes"),
    # Binary units are other units: a GiB is 1024^3 bytes, a GB 1000^3.
    "kib": ("kib", "kibibyte", "kibibytes"),
    "mib": ("mib", "mebibyte", "mebibytes"),
    "gib": ("gib", "gibibyte", "gibibytes"),
    "tib": ("tib", "tebibyte", "tebibytes"),
    "mbps": ("mbps", "megabit", "megabits"),
    "gbps": ("gbps", "gigabit", "gigabits"),
    "usd": ("usd", "dollar", "dollars", "$"),
    "eur": ("eur", "euro", "euros", "€"),
    "gbp": ("gbp", "sterling", "£"),
    "jpy": ("jpy", "yen", "¥"),
    "percent": ("percent", "percentage", "%"),
    # CSS and typography: "16px in rem" and "16pt in rem" ask different things.
    "px": ("px", "pixel", "pixels"),
    "pica": ("pica", "picas"),
}
# CSS units that are other words when alone ("REM sleep", "em dash", "pt" a patient): units
# after a number ("16pt", "1.5 em") or beside another CSS unit or "px" ("px to rem", "em vs rem").
CSS_UNITS = table("px=px rem=rem rems=rem em=em ems=em pt=pt pts=pt vh=vh vw=vw vmin=vmin vmax=vmax dp=dp sp=sp")
# Abbreviations that are a unit only right after a number ("5 min", "24h", "30 s", "1
# second", "100 C"): alone they are other words ("min" is the minimum, "second" an ordinal,
# "C" a language). Matched in lower case, glued to the number or after one space.
# Case matters: "5G" is a network, "5g" five grams. ("m" is left out: "$5m" is five million.)
UNITS_AFTER_NUMBER = table(
    "s=second second=second min=minute h=hour g=g l=l L=l us=microsecond pt=pt em=em rem=rem vh=vh vw=vw dp=dp sp=sp"
)
# Written before anything else reads the text, so the unit and name checks see one word for
# one unit: "°C", "℃" and "100 C" are "celsius" ("C" stays a language elsewhere).
UNIT_SYMBOLS = table("°c=celsius ℃=celsius °f=fahrenheit ℉=fahrenheit °k=kelvin µs=microseconds μs=microseconds")
TEMPERATURE_LETTERS = table("C=celsius F=fahrenheit")
SYMBOL_UNITS = {"$": "usd", "€": "eur", "£": "gbp", "¥": "jpy", "%": "percent"}


# --- negation and exclusion ----------------------------------------------------------------

NEGATIONS = words(
    "not no never none nobody nothing nowhere neither nor cannot without dont doesnt didnt isnt arent "
    "wasnt werent cant couldnt wont wouldnt shouldnt mustnt hasnt havent hadnt"
)
# An exclusion limits what is asked as a negation does: "commit all files" vs "commit all
# files except one", "languages other than Python". Counted with the negations, so "except
# X" and "without X" agree with each other and both differ from plain "X".
EXCLUSIONS = words("except excepting excluding exclude excludes excluded besides")
EXCLUSION_PAIRS = frozenset(
    {("other", "than"), ("apart", "from"), ("aside", "from")}
    # "everything but the kitchen sink": "but" excludes only after a word for everything.
    | {(w, "but") for w in ("all", "everything", "anything", "everyone", "everybody", "anyone", "anybody")}
)
# "except" is no exclusion in Python's try/except, nor when it names the clause.
EXCEPT_CLAUSE_WORDS = words("block blocks clause clauses statement statements keyword")
# Verbs that already mean "not ...": a negation right before one cancels it, so "without
# losing the changes" is "keeping the changes" and "don't forget" is "remember". The verb on
# the right is what the pair means for the opposite-word rule ("don't forget" vs "forget"
# is then remember vs forget). Regular forms are generated ("losing", "forgotten" listed).
PRIVATIVE_VERBS = table(
    "lose=keep forget=remember fail=pass miss=catch lack=have ignore=heed neglect=heed omit=include overlook=notice"
)
# Adjectives that say something is absent, counted as a negation when they stand before a
# noun: "on an empty stomach" is "without food", "an empty list" is "a list with no items".
# Not after a verb ("is the list empty?"), where "empty" and "non-empty" are opposites instead,
# nor as a verb ("empty the trash": a determiner follows).
PRIVATIVE_ADJECTIVES = words("empty")
# Hyphenated "-free" compounds are negations too ("gluten-free" is "without gluten"): see guards.py.


# --- opposites -----------------------------------------------------------------------------
#
# Pairs of opposite meanings, written "side | other side;". Each side lists words that count
# as the same side. A word ending in "+" is a verb whose regular forms count too ("stop+":
# stops, stopped, stopping). A word may sit in several pairs: "lower" is the opposite of
# "raise" and of "upper".
OPPOSITES = pairs(
    """
    # amount and size: verbs and comparatives share a side, so "increase" vs "smaller" counts
    increase+ raise+ grow+ expand+ enlarge+ boost+ amplify+ maximize+ maximise+ increment+ inflate+ lengthen+
        widen+ more bigger larger higher greater taller longer wider heavier turn_up
    | decrease+ reduce+ lower+ shrink+ diminish+ lessen+ minimize+ minimise+ decrement+ deflate+ shorten+
        narrow+ truncate+ collapse+ less fewer smaller shorter narrower turn_down;
    min minimum minimal minima smallest lowest least fewest shortest
    | max maximum maximal maxima largest biggest highest greatest most tallest longest;
    high | low; big large huge | small tiny; long | short; tall | short; wide | narrow;
    thick thicker thicken+ | thin thinner thin+ water_down;
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
    keep+ retain+ preserve+ | lose+ discard+; borrow+ | lend+; save+ | load+; read+ | write+;
    remember+ | forget+; hire+ | fire+; pass+ succeed+ | fail+;
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
    soft softer soften+ | hard harder harden+; safe safer safest | dangerous unsafe harmful toxic;
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
    employer | employee; landlord landlords | tenant tenants renter renters; teacher teachers | student students;
    doctor doctors | patient patients; host hosts | guest guests; producer | consumer; superclass | subclass; predecessor | successor;
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
DE_VERBS = words(
    "activate allocate authorize centralize classify compile compose compress construct escalate frost hydrate "
    "humidify initialize install magnetize modulate multiplex normalize obfuscate prioritize register regulate "
    "select sensitize serialize stabilize value"
)
# Adjectives negated by in-/im-/il-/ir- (the spelling follows the first letter); listed
# because "in" starts too many unrelated words ("install", "inform", "index").
IN_ADJECTIVES = words(
    "accessible accurate active adequate appropriate balanced capable compatible complete consistent correct "
    "credible decent definite dependent direct efficient finite formal frequent legal legible logical mature "
    "mobile mortal mutable patient perfect polite possible probable proper rational regular relevant reversible "
    "responsible secure sensitive sufficient valid visible"
)
IRREGULAR_FORMS = table(
    "begin=began,begun buy=bought fall=fell,fallen forget=forgot,forgotten freeze=froze,frozen grow=grew,grown "
    "hide=hid,hidden lend=lent lose=lost redo=redid,redone rise=rose,risen sell=sold send=sent show=shown "
    "shrink=shrank,shrunk sink=sank,sunk speed=sped undo=undid,undone win=won write=wrote,written"
)

# Prefix swaps that turn a word into its opposite, for words no list can hold: "mount" /
# "unmount", "upstream" / "downstream", "overfit" / "underfit", "preorder" / "postorder".
PREFIX_PAIRS = pairs(
    "| un; | dis; | non; en | de; en | dis; in | ex; im | ex; in | out; up | down; over | under; pre | post; max | min; inc | dec"
)
# Words that only look prefixed ("display" is not "dis-play"), or whose swap is no opposite
# ("income" / "outcome"); matched as word starts so "displayed" is covered too.
NOT_PREFIXED = words(
    "unless union unit until display discover discount discuss dispatch dispos dismiss disclos dissolv distract "
    "distribut dissent distill dispers dispens distort disgust disguis diseas discard discours dismay distend "
    "dismantl disband dissect disport disarray disjoint dismember entail detail deter develop envelop enclos "
    "intend extend incite excit inhibit exhibit intent extent inception exception impos expos impress express "
    "impend expend impound expound implor explor income outcome inline outline inset outset upright downright "
    "overtake undertake overwrite underwrite overlay underlay"
)

# "in", "on", "up" are everywhere ("a list in Python"), so they count only as the particle
# of a word both texts share: "zoom in" vs "zoom out", "turn the heating on" vs "... off".
PARTICLE_PAIRS = pairs("in into | out; on onto | off; up | down")
# Verbs whose particle is the whole meaning: "turn off" is "disable", "turn down" is "lower",
# "water down" is "thin".
# Written "turn_off" in OPPOSITES, so they meet the single words there.
PARTICLE_VERBS = words("turn switch power water")

# Connectors whose two sides must not swap: "convert X to Y" vs "Y to X", "A faster than B".
# "from" points the other way ("to Y from X" is "X to Y"). "in" is a connector only between
# two units ("cups in a liter" vs "liters in a cup"): elsewhere it is "a list in Python".
CONNECTORS = {**dict.fromkeys(("to", "into", "than", "->", "→"), "forward"), "from": "backward", "in": "units"}
# The scan for a particle's verb or a connector's operands stops at these: they start another
# phrase. Function words are skipped: they name nothing.
PHRASE_BREAKS = words(
    '. , ; : ! ? ( ) " -> → in into on onto off out up down over under at by for from to with without of about '
    "as via using than through between within across per and or but nor then if when where while whether "
    "because so what which who whom whose why how what's how's where's who's vs versus"
)
FUNCTION_WORDS = words(
    "a an the this that these those my your his her its our their me you i he she it we they him us them myself "
    "yourself itself some any each every all both is are was were be been being am do does did have has had can "
    "could will would shall should may might must please just very too also really many much it's i'm"
)


# --- scope ---------------------------------------------------------------------------------
#
# "drop a table" vs "drop all tables", "stop one container" vs "stop every container", "find
# all occurrences" vs "find the first occurrence": the same words, a different number of
# things. A text is universal if it has one of these words ...
UNIVERSAL_QUANTIFIERS = words("all every entire whole both multiple several everything everyone everybody")
# ... and limited to one thing if it has one of these before a content word ("which one",
# "the one I", "first, ..." do not count), or "a" / "an" / "one" / "this" before the singular
# of a noun the other text quantifies ("a table" against "all tables"). "each" and "per" say
# "one at a time" and count as neither.
SINGLE_QUANTIFIERS = words("one single individual particular specific only first last")
SINGULAR_ARTICLES = words("a an one this that single")

# --- kinds of question ---------------------------------------------------------------------
#
# "Who invented the telephone?" and "When was the telephone invented?" share every content
# word. When both texts clearly ask one of these kinds of question, the kinds must meet.
# "what", "how" and "which" alone say too little ("what is the capital" = "which city is").

# Question words that count only where a clause starts (after lead-in words such as "can you
# tell me"): elsewhere "who" and "when" are mostly relative or time clauses ("users who",
# "crashes when I run it").
QUESTION_WORDS = table(
    "who=who whom=who whose=who who's=who who'd=who when=when when's=when where=where where's=where "
    "where'd=where why=why why's=why"
)
# "when" and "where" ask only if a verb follows ("When was", "where to buy"); "When I run
# it, ..." is a time clause.
QUESTION_VERBS = words(
    "is are was were do does did will would should can could has have had shall may might must to am"
)
# Words that may come before a clause's question word without changing it.
QUESTION_LEAD_INS = words(
    "so and but also then ok okay hey hi hello please quick question tell me can could would you do does did "
    "anyone anybody know i i'd want to like wonder wondering explain remind in on at from by since until till for "
    "find out any idea curious about exactly just"
)
QUESTION_LEAD_IN_LIMIT = 6
# "what year", "which country" (anywhere): the noun says the kind of question.
QUESTION_NOUNS = table(
    "year=when years=when date=when dates=when day=when days=when month=when months=when century=when "
    "decade=when era=when time=when times=when season=when seasons=when place=where places=where country=where countries=where "
    "city=where cities=where town=where towns=where location=where locations=where continent=where "
    "continents=where region=where regions=where"
)
# ... unless the noun starts a compound: "what time complexity", "which country code".
QUESTION_NOUN_COMPOUNDS = words(
    "complexity zone zones series frame frames limit limits step steps signature stamp stamps travel "
    "management code codes name names"
)
# "how many", "how long", "how tall" (anywhere) ask for an amount; "how come" is "why";
# "how soon" and "how long ago" are "when".
HOW_QUESTIONS = table(
    "many=amount much=amount long=amount tall=amount high=amount far=amount big=amount large=amount old=amount "
    "heavy=amount deep=amount wide=amount fast=amount often=amount small=amount short=amount expensive=amount "
    "hot=amount cold=amount warm=amount loud=amount strong=amount come=why soon=when"
)


# --- synonyms the verifier accepts ---------------------------------------------------------
#
# Generic verbs and nouns that questions use for one another ("make / create / build a pie
# chart", "check / see / view the logs", "convert / turn / parse a string into an int",
# "undo / revert a commit"). Word vectors score many of them low ("make" / "create" 0.59,
# "check" / "see" 0.43), so the verifier (semantic_cache/verifier.py) matches the words of
# one line with each other, after its own stemming ("making", "created"). Only words that
# name the same act whatever the object; opposites stay apart here as in OPPOSITES (the
# guards run first). A word may sit on several lines: each line is a group of its own.
SYNONYM_GROUPS = tuple(
    words(line)
    for line in """
    make makes made create build built generate produce construct craft crafting write wrote written setup set
    current today todays now
    exist exists present
    add insert append put
    check see saw seen view find found show shown display list look get got determine locate
    convert turn transform cast parse change rewrite
    decode parse deserialize deserialise
    delete remove erase discard clear drop eliminate purge wipe rid
    undo revert rollback discard restore reset
    stop kill terminate end quit exit close cancel halt abort
    start begin began launch
    fix repair resolve solve troubleshoot patch
    upload copy transfer
    use using listen listening occupy occupying
    improve raise increase boost enhance better optimize optimise
    reduce lower decrease cut minimize minimise
    read load open import
    join concatenate concat combine merge
    send sent submit post issue
    get got obtain retrieve fetch request
    copy clone duplicate
    save store keep kept preserve
    use utilize utilise apply employ
    purpose use used role
    learn study
    take took taken capture grab
    choose chose chosen pick select
    visit travel travelling traveling go going
    enable activate turn switch
    decline refuse reject turn
    symptoms signs
    benefits advantages pros
    substitute replacement alternative replace swap instead
    """.strip().splitlines()
)


# --- names ---------------------------------------------------------------------------------

# Names people often type in lower case, where capitalisation cannot be relied on.
KNOWN_NAMES = words(
    "python javascript typescript java rust ruby php kotlin swift golang scala haskell perl sql mysql postgres "
    "postgresql sqlite mongodb redis bash powershell excel linux windows macos ubuntu debian android ios react vue "
    "angular django flask fastapi docker kubernetes aws azure gcp git npm pip c c++ c# monday tuesday wednesday "
    "thursday friday saturday sunday january february march april june july august september october november "
    "december sun moon mercury venus mars jupiter saturn uranus neptune pluto universe galaxy"
)
# Capitalised words that name no particular thing to tell questions apart: "in the world" and
# "on Earth" ask the same, and "how many continents are there" needs no "on Earth". The other
# bodies in the sky are known names above, so "the Earth" against "the moon" still differs.
GENERIC_NAMES = words("earth world")

# Other names for the same thing, written "Canonical: variant | variant". Each text is
# rewritten to the canonical name before any check, so "US", "U.S.", "United States" and
# "American" are all "USA", "WW2" and "Second World War" are "WWII" (and lose their number),
# "twenty-five" stays for the number rule. Matching ignores case, except for variants written
# "=US" (which must be typed in capitals: "us" is a pronoun), and allows a plural "s"
# ("Americans") and a hyphen between words. Longer variants win ("South America" is not the
# USA). Dots in acronyms are dropped first ("U.S.A." is "USA").
ALIASES = groups(
    """
    # countries and their people or language
    USA: =US | USA | United States | United States of America | America | American
    North America: North America | North American
    South America: South America | South American
    Latin America: Latin America | Latin American
    Central America: Central America | Central American
    UK: UK | United Kingdom | Great Britain | Britain | British | Briton
    England: English | Englishman | Englishwoman
    Scotland: Scottish | Scot | Scotsman
    Wales: Welsh
    Ireland: Irish | Irishman
    France: French | Frenchman
    Germany: German
    Spain: Spanish | Spaniard
    Italy: Italian
    Portugal: Portuguese
    Netherlands: Holland | Dutch
    Belgium: Belgian
    Switzerland: Swiss
    Austria: Austrian
    Sweden: Swedish | Swede
    Norway: Norwegian
    Denmark: Danish | Dane
    Finland: Finnish
    Iceland: Icelandic | Icelander
    Poland: =Polish
    Czechia: Czech Republic | Czech
    Hungary: Hungarian
    Greece: Greek
    Ukraine: Ukrainian
    Russia: Russian | Russian Federation
    USSR: Soviet Union | Soviet
    Israel: Israeli
    Iran: Iranian
    Iraq: Iraqi
    Saudi Arabia: Saudi Arabia | Saudi | =KSA
    UAE: United Arab Emirates | Emirati
    Egypt: Egyptian
    Nigeria: Nigerian
    Niger: Nigerien
    Kenya: Kenyan
    South Africa: South African
    Pakistan: Pakistani
    India: Indian
    China: Chinese | =PRC
    Japan: Japanese
    Korea: Korean
    South Korea: South Korean
    North Korea: North Korean | =DPRK
    Vietnam: Vietnamese | Viet Nam
    Thailand: Thai
    Philippines: Filipino | Philippine
    Indonesia: Indonesian
    Malaysia: Malaysian
    Singapore: Singaporean
    Australia: Australian | =Aussie
    New Zealand: =NZ | New Zealander
    Canada: Canadian
    Mexico: Mexican
    Cuba: Cuban
    Jamaica: Jamaican
    Brazil: Brazilian
    Argentina: Argentinian | Argentine
    Peru: Peruvian
    Colombia: Colombian
    Europe: European
    Africa: African
    Asia: Asian
    # cities whose adjective names them ("the first Roman emperor" is the first emperor of Rome)
    Rome: Roman
    Athens: Athenian
    Paris: Parisian
    Venice: Venetian
    Florence: Florentine
    London: Londoner

    # organisations
    EU: European Union
    UN: =UN | United Nations
    NATO: North Atlantic Treaty Organization | North Atlantic Treaty Organisation
    NASA: National Aeronautics and Space Administration
    FBI: Federal Bureau of Investigation
    CIA: Central Intelligence Agency
    IRS: Internal Revenue Service
    NHS: National Health Service
    IMF: International Monetary Fund
    WTO: World Trade Organization | World Trade Organisation
    FDA: Food and Drug Administration
    CDC: Centers for Disease Control and Prevention | Centers for Disease Control
    EPA: Environmental Protection Agency
    SEC: Securities and Exchange Commission
    ECB: European Central Bank
    NBA: National Basketball Association
    NFL: National Football League
    MIT: Massachusetts Institute of Technology

    # places and events
    New York: NYC | New York City
    Los Angeles: =LA
    DC: Washington DC | District of Columbia
    WWII: WWII | WW2 | WW II | World War II | World War 2 | World War Two | Second World War | 2nd World War
    WWI: WWI | WW1 | WW I | World War I | World War 1 | World War One | First World War | 1st World War | Great War

    # technology
    JavaScript: JS | ECMAScript
    TypeScript: TS
    Python: py
    Node.js: NodeJS | Node JS
    Go: golang
    Kubernetes: K8s
    PostgreSQL: Postgres | psql
    # "2FA" would leave a "2" and a name "FA" that is never found after a digit: one word instead.
    TwoFA: 2FA | two factor authentication | two factor auth | two factor | 2 factor authentication | 2 factor
        | two step verification | 2 step verification
    MFA: MFA | multi factor authentication | multifactor authentication | multi factor auth | multi factor
        | multifactor
    MongoDB: Mongo
    VSCode: =VS Code | VSCode | Visual Studio Code
    C++: CPP
    C#: CSharp | C Sharp
    AI: AI | Artificial Intelligence
    GCP: Google Cloud Platform | Google Cloud
    AWS: Amazon Web Services
    ETF: exchange traded fund
    NLP: Natural Language Processing
    LLM: Large Language Model

    # the adjective of a person's name is that name: "Pythagorean theorem" = "Pythagoras theorem"
    Pythagoras: Pythagorean
    Newton: Newtonian
    Euclid: Euclidean | Euclidian
    Shakespeare: Shakespearean | Shakespearian
    Freud: Freudian
    Darwin: Darwinian
    Jung: Jungian
    Kant: Kantian
    Hegel: Hegelian
    Marx: Marxian
    Euler: Eulerian
    Gauss: Gaussian
    Bayes: Bayesian
    Keynes: Keynesian
    Descartes: Cartesian
    Socrates: Socratic
    Plato: Platonic
    Aristotle: Aristotelian
    Confucius: Confucian
    Machiavelli: Machiavellian
    Orwell: Orwellian
    Kafka: Kafkaesque
    Mendel: Mendelian
    Napoleon: Napoleonic
    Hippocrates: Hippocratic
    """
)

# Nouns after which a lower-case "us" is the country, not the pronoun: "us citizen", "us
# passport" ("tell us", "for us" are followed by other words).
COUNTRY_NOUNS = words(
    "citizen citizens citizenship passport passports visa visas government president embassy consulate dollar "
    "dollars tax taxes federal military army navy economy election elections senate congress constitution "
    "customs border resident residents stock stocks treasury postal mail"
)

# A name another name both texts share implies, written "implied: member | member". Such a
# name on one side only says nothing new: "an S3 bucket" is an AWS S3 bucket, "HTTP 404" is
# a 404, "grep" runs on Linux, "pip" is Python's. Members are matched as whole words (lower
# case) in both texts, or exactly as written if marked "=" ("=Lambda": a lambda in Python is
# no AWS Lambda). The member must be in both texts: a container and a different member
# ("AWS" vs "S3" / "EC2") still differ.
_SHELL_COMMANDS = (
    "grep | egrep | sed | awk | chmod | chown | chgrp | ls | tar | ssh | scp | rsync | curl | wget | crontab | "
    "systemctl | journalctl | apt | apt-get | sudo | mkdir | rmdir | du | df | ps | htop | xargs | symlink"
)
IMPLIED_BY = groups(
    f"""
    aws: s3 | ec2 | =Lambda | dynamodb | cloudfront | cloudwatch | cloudformation | rds | ecs | eks | sqs | sns
        | route53 | redshift | elastic beanstalk
    gcp: bigquery | gke
    http: {" | ".join(str(code) for code in range(100, 600))}
    linux: {_SHELL_COMMANDS}
    unix: {_SHELL_COMMANDS}
    python: pip | pip3 | pypi | numpy | pandas | django | flask | fastapi | pytest | virtualenv | venv | matplotlib
        | scipy | jupyter
    pip: requirements.txt
    javascript: node.js | npm | react | vue | angular | jquery
    node.js: npm | npx
    kubernetes: kubectl | helm
    docker: dockerfile
    """
)
# Short forms that say a name once the other text has said it in full: "node" is Node.js
# where the other text has "Node.js", but alone it is a graph node. Never names themselves.
SHORT_NAMES = groups(
    """
    node.js: node
    vue.js: vue
    react.js: react
    angular.js: angular | angularjs
    express.js: express
    """
)
# Terms and tools of one thing that say it where the other text names it: "kubectl" is
# Kubernetes's command, an "INNER JOIN" is SQL, "df" a pandas DataFrame, "machine learning"
# is ML, a MacBook a Mac. Like SHORT_NAMES,
# they count only against a text that names the thing itself.
NAMED_BY = groups(
    """
    kubernetes: kubectl
    sql: inner join | left join | right join | outer join | full join | cross join | group by | order by
        | primary key | foreign key
    dataframe: df | dfs
    ml: machine learning
    mac: macbook | imac
    """
)
# A file name is said by "<stem> file" too ("requirements.txt" / "the requirements file"),
# for these extensions.
FILE_EXTENSIONS = words("txt json yaml yml toml cfg ini xml csv md lock env conf")

# --- attributes ----------------------------------------------------------------------------
#
# "the income limit for a Roth IRA" vs "the contribution limit for a Roth IRA": the same
# frame, a different thing measured. When both texts have one of these nouns and the word
# right before it differs (neither text has the other's), they ask about different
# attributes. The qualifiers below only say which value of the same attribute is meant
# ("the maximum contribution limit", "the annual fee"), so they do not count.
ATTRIBUTE_NOUNS = words(
    "limit limits rate rates price prices size sizes cost costs fee fees age ages requirement requirements"
)
ATTRIBUTE_QUALIFIERS = words(
    "max maximum min minimum annual yearly monthly weekly daily hourly current average typical total usual "
    "standard normal default recommended exact legal new latest official overall approximate actual real "
    "base basic full same right correct"
)
