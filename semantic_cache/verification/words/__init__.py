"""The "words" stage: every content word of one question needs a counterpart in the other.

Modules: `content` (a question reduced to its content words), `spelling` (typos and
abbreviations), `vectors` (the word-vector cache), `check` (the rule, `verify`), `stage`.
Its word lists are data (data/words.toml), read on first use into `tables.py`.
"""
