"""The lexical stages' word lists are data files, read once, on first use, never at import."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import typing
from pathlib import Path

import pytest

from semantic_cache.verification import lexicon

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_verifier_reads_no_word_list() -> None:
    code = (
        "import semantic_cache.verification.registry, semantic_cache.lookup\n"
        "from semantic_cache.verification import lexicon, language\n"
        "from semantic_cache.verification.lexical import tables as guards\n"
        "from semantic_cache.verification.words import tables as words\n"
        "print(lexicon._loaded, guards._loaded, words._loaded, language.vocabulary._words is None,"
        " hasattr(lexicon, 'NEGATIONS'))\n"
    )
    env = {"DJANGO_SETTINGS_MODULE": "layercache_site.settings", "PATH": "/usr/bin:/bin"}
    setup = "import django; django.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", setup + code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False", "False", "True", "False"]


def test_building_a_chain_reads_them() -> None:
    code = (
        "from semantic_cache.verification.registry import build_chain\n"
        "from semantic_cache.verification import lexicon\n"
        "build_chain(('language', 'guards'), None)\n"
        "print(lexicon._loaded, len(lexicon.OPPOSITES) > 100)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "True"]


def test_every_declared_list_is_read_with_its_type() -> None:
    lexicon.load()
    hints = typing.get_type_hints(lexicon)
    names = [n for n in hints if not n.startswith("_")]
    in_files = {
        key.upper()
        for file in ("guards.toml", "words.toml")
        for key in tomllib.loads((lexicon.DATA_DIR / file).read_text())
    }
    assert set(names) == in_files - {"SHELL_COMMANDS"}  # spliced into IMPLIED_BY
    for name in names:
        expected = typing.get_origin(hints[name]) or hints[name]
        assert isinstance(getattr(lexicon, name), expected), name


def test_the_lists_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    lexicon.load()

    def read_again() -> None:
        raise AssertionError("read twice")

    monkeypatch.setattr(lexicon, "_read_all", read_again)
    lexicon.load()


def test_a_list_missing_from_the_files_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    guards = (lexicon.DATA_DIR / "guards.toml").read_text()
    start = guards.index("\nnegations = ")
    end = guards.index("\n\n", start + 1)
    (tmp_path / "guards.toml").write_text(guards[:start] + guards[end:])
    (tmp_path / "words.toml").write_text((lexicon.DATA_DIR / "words.toml").read_text())
    monkeypatch.setattr(lexicon, "DATA_DIR", tmp_path)
    monkeypatch.setattr(lexicon, "_loaded", False)
    with pytest.raises(RuntimeError, match=r"word lists missing from .*\['NEGATIONS'\]"):
        lexicon.load()


def test_the_implied_names_expand_their_placeholders() -> None:
    lexicon.load()
    implied = dict(lexicon.IMPLIED_BY)
    assert "404" in implied["http"] and "599" in implied["http"] and "99" not in implied["http"]
    assert "grep" in implied["linux"] and implied["linux"] == implied["unix"]


@pytest.mark.parametrize(
    ("reader", "spec", "expected"),
    [
        (lexicon.words, "a b  c", frozenset({"a", "b", "c"})),
        (lexicon.table, "a=1 ->=forward", {"a": "1", "->": "forward"}),
        (lexicon.pairs, "a b | c; # note\n d | e;", (("a b", "c"), ("d", "e"))),
        (
            lexicon.groups,
            "USA: =US | America\n  | American\nUK: Britain",
            (("USA", ("=US", "America", "American")), ("UK", ("Britain",))),
        ),
        (
            lexicon.phrases,
            "big o | time complexity; df | dataframe",
            {("big", "o"): ("time", "complexity"), ("df",): ("dataframe",)},
        ),
    ],
)
def test_it_reads_each_list_format(reader: typing.Any, spec: str, expected: object) -> None:
    assert reader(spec) == expected
