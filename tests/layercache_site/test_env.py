"""Settings from the environment fail loudly on values they cannot understand."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from layercache_site.env import database_from_url, envbool, envint, envsecret


def test_envbool_accepts_only_true_or_false(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAG", "yes")
    assert envbool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert envbool("FLAG", True) is False
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        envbool("FLAG", False)


def test_envint_rejects_junk_and_values_below_the_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIZE", "ten")
    with pytest.raises(ImproperlyConfigured, match="integer"):
        envint("SIZE", 1)
    monkeypatch.setenv("SIZE", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        envint("SIZE", 5, minimum=1)


def test_envsecret_reads_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from pathlib import Path

    secret = Path(str(tmp_path)) / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("TOKEN", raising=False)
    monkeypatch.setenv("TOKEN_FILE", str(secret))
    assert envsecret("TOKEN") == "s3cret"
    monkeypatch.setenv("TOKEN_FILE", str(secret) + ".missing")
    with pytest.raises(ImproperlyConfigured):
        envsecret("TOKEN")


def test_database_urls_with_unix_sockets_and_tcp() -> None:
    socket = database_from_url("postgresql://postgres:@/postgres?host=/tmp/pg")
    assert (socket["HOST"], socket["NAME"], socket["USER"]) == ("/tmp/pg", "postgres", "postgres")
    tcp = database_from_url("postgres://u:p%40ss@db:5433/layercache")
    assert (tcp["HOST"], tcp["PORT"], tcp["PASSWORD"], tcp["NAME"]) == ("db", "5433", "p@ss", "layercache")
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://x/y")
