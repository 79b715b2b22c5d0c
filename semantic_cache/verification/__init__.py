"""The semantic cache's false-hit protection: a `Verifier` behind one interface.

`verify(query, candidates) -> [Verdict]` judges the stored queries that passed the similarity
threshold (semantic_cache/lookup.py). The verifier is a chain of stages (chain.py), named in
configuration (proxy/verifier_spec.py: `LAYERCACHE_SEMANTIC_VERIFIER`, a route's
`semantic_verifier`) and built once (registry.py):

- `language` (language.py): text the English rules cannot read is judged by the strict rule;
- `strict` (strict.py): only the same words, in any language;
- `guards` (lexical/): the lexical rules, their word lists in data/guards.toml;
- `words` (words/): every content word needs a counterpart, by word vectors; its lists in
  data/words.toml.

The default chain is language,guards,words. Nothing is read at import: the word lists are
read when the first chain is built (lexicon.py).
"""
