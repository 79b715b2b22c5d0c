"""The "guards" stage: lexical checks run after the vector similarity threshold.

Embeddings place "what is 15% of 80" and "what is 15% of 90" (or "capital of France" and
"capital of Spain", "zoom in" and "zoom out", "Celsius to Fahrenheit" and "Fahrenheit to
Celsius", "who invented the telephone" and "when was the telephone invented") very close
together, because they share almost every token. Serving one's cached answer for the other is
the costly mistake of a semantic cache, so a candidate must also pass these checks. They are
deliberately one-sided: when unsure, they say "different", which only costs a cache miss.

Everything here is a pure function of the two strings; each text is tokenised once
(`reading.parse`, cached). The word lists are data (data/guards.toml), read on first use into
the lookup tables of `tables.py`. Modules: `tokens` (words and stems), `reading` (a text as the
rules see it: units, aliases, numbers, negation), `opposites`, `names`, `checks` (every check,
in order, and `guards_agree`), `stage` (the verifier stage).
"""
