"""docker-compose.yml and the Dockerfile name only things that exist (no Docker engine here).

Each command a service runs is taken apart: `python manage.py X` needs a management command
X, `python -m M` an importable module M, an ASGI target or a Celery app its module.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def with_defaults(text: str) -> str:
    """`${NAME:-default}` as compose would expand it with NAME unset."""
    return INTERPOLATION.sub(lambda m: m[3] if m[2] == "-" else "", text)


def commands_of(service: dict[str, Any]) -> list[list[str]]:
    command = service.get("command")
    if command is None:
        return [dockerfile_cmd()]
    if isinstance(command, str):
        command = shlex.split(command)
    if command[:2] == ["sh", "-c"]:
        steps = [step.strip() for step in command[2].split("&&")]
        return [shlex.split(step.removeprefix("exec ")) for step in steps]
    return [list(command)]


def dockerfile_cmd() -> list[str]:
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("CMD "):
            cmd: list[str] = yaml.safe_load(line.removeprefix("CMD "))
            return cmd
    raise AssertionError("the Dockerfile has no CMD")


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_it_parses_and_has_the_production_services() -> None:
    assert set(services()) == {"postgres", "redis", "web", "worker", "beat"}
    assert services()["postgres"]["image"].startswith("pgvector/pgvector:pg16")
    assert services()["redis"]["image"].startswith("redis:7")
    assert "healthcheck" in services()["postgres"]


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_it_gives_each_app_service_its_connections_and_a_required_secret(name: str) -> None:
    environment = services()[name]["environment"]

    assert environment["DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    # `:?` makes compose refuse to start without it instead of running with an empty key.
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert environment["LAYERCACHE_CONFIG"]
    assert {"OPENAI_API_KEY", "ANTHROPIC_API_KEY"} <= set(environment)


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_it_builds_app_services_from_the_dockerfile(name: str) -> None:
    build = services()[name]["build"]
    context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
    assert (context / "Dockerfile").is_file()


def test_it_copies_only_files_that_exist_into_the_image() -> None:
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            *sources, _ = line.split()[1:]
            for source in sources:
                assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"


def test_it_mounts_a_route_config_that_exists() -> None:
    for name in ("web", "worker", "beat"):
        for volume in services()[name].get("volumes", []):
            source = with_defaults(volume.split(":/")[0])
            if source.startswith("."):
                assert (ROOT / source).is_file(), f"{name} mounts missing {source}"


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_it_runs_only_commands_and_modules_that_exist(name: str) -> None:
    manage_commands = get_commands()
    for argv in commands_of(services()[name]):
        assert argv[0] == "python", argv
        if argv[1] == "manage.py":
            assert argv[2] in manage_commands, f"no management command {argv[2]!r}"
            continue
        assert argv[1] == "-m", argv
        assert module_exists(argv[2]), f"no module {argv[2]!r}"
        for target in (arg for arg in argv[3:] if re.fullmatch(r"[\w.]+:\w+", arg)):
            module, attribute = target.split(":")
            assert module_exists(module), f"no module {module!r}"
            assert f"\n{attribute} = " in (ROOT / (module.replace(".", "/") + ".py")).read_text()
        if "-A" in argv:
            assert module_exists(argv[argv.index("-A") + 1] + ".celery")


def test_it_migrates_before_serving_and_starts_workers_after_the_web_is_healthy() -> None:
    web = commands_of(services()["web"])
    assert web[0][:3] == ["python", "manage.py", "migrate"]
    assert web[-1][:3] == ["python", "-m", "daphne"]
    for name in ("worker", "beat"):
        assert services()[name]["depends_on"]["web"]["condition"] == "service_healthy"
