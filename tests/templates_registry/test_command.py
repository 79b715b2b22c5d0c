"""`manage.py templates import|list|activate|archive`."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from proxy.models import Team
from templates_registry.models import PromptTemplate
from tests.templates_registry.conftest import save, spec_dict


def run(*args: str) -> str:
    out = StringIO()
    call_command("templates", *args, stdout=out)
    return out.getvalue()


def test_import_into_a_team_is_idempotent(alpha: Team, tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(spec_dict()))
    assert "support@1 created" in run("import", str(tmp_path), "--team", "alpha")
    assert "support@1 unchanged" in run("import", str(tmp_path), "--team", "alpha")
    assert PromptTemplate.objects.get().team == alpha


def test_import_without_a_team_creates_global_templates(db: None) -> None:
    run("import")  # the shipped examples
    assert PromptTemplate.objects.filter(team=None, name="support-agent").exists()


def test_list_and_activate(alpha: Team) -> None:
    save(alpha)
    save(alpha, L1="v2")
    assert "support@2\talpha" in run("list", "--team", "alpha")
    assert "support@1 activated" in run("activate", "support", "1", "--team", "alpha")
    assert "support@1\talpha" in run("list")


def test_archive_and_unknown_names(alpha: Team) -> None:
    save(alpha)
    run("archive", "support", "--team", "alpha")
    assert run("list", "--team", "alpha") == ""
    with pytest.raises(CommandError, match="No global template"):
        run("activate", "support", "1")
    with pytest.raises(CommandError, match="No team"):
        run("list", "--team", "nobody")
