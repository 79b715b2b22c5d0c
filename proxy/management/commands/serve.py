"""`manage.py serve --port N [--host H]`: the whole product in the foreground.

manage.py has already prepared the data directory, the generated SECRET_KEY file and (with
no DATABASE_URL) the embedded Postgres, which this process holds for as long as it runs.
`serve` migrates, loads routes, installs the periodic schedule, creates the admin and the
first API key on a fresh install, probes Redis, and then runs Daphne, a Celery worker and
Celery beat as children until Ctrl-C / SIGTERM or until one of them dies.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from layercache_site import redis_store
from layercache_site.embedded_postgres import embedded_url
from layercache_site.first_run import FirstRunSecrets, ensure_first_run
from layercache_site.schedule import install_schedule
from layercache_site.supervisor import ChildSpec, Supervisor, prefixed
from proxy.route_config import RouteConfigError, load_file


class Command(BaseCommand):
    help = "Run LayerCache (web server, Celery worker and beat) in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (0.0.0.0 for all interfaces).")

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"]
        if _port_taken(host, port):
            raise CommandError(f"{host}:{port} is already in use; pick another with --port")

        self.say("migrating the database")
        call_command("migrate", interactive=False, verbosity=0)
        self._load_routes()
        install_schedule()
        first_run = ensure_first_run()
        redis_url = self._redis_url()
        # The children open their own connections; this process only keeps Postgres alive.
        connections.close_all()

        url = f"http://{_display_host(host)}:{port}"
        supervisor = Supervisor(
            specs=_children(host, port),
            env=_child_environment(redis_url),
            cwd=Path(settings.BASE_DIR),
            out=self.stdout,
            ready=lambda: _port_taken(host, port),
            on_ready=lambda: self._announce(url, first_run),
        )
        status = supervisor.run()
        if status:
            raise CommandError("a LayerCache process stopped unexpectedly (see its output above)", returncode=status)

    def say(self, message: str) -> None:
        self.stdout.write(prefixed("serve", message))
        self.stdout.flush()

    def _announce(self, url: str, first_run: FirstRunSecrets | None) -> None:
        self.stdout.write(_banner(url, first_run))
        self.stdout.flush()

    def _load_routes(self) -> None:
        path = Path(settings.LAYERCACHE_CONFIG)
        try:
            lines = load_file(path)
        except RouteConfigError as exc:
            raise CommandError(f"LAYERCACHE_CONFIG {path}: {exc}") from None
        self.say(f"routes from {path}: {len(lines)} loaded")

    def _redis_url(self) -> str:
        """The Redis URL to give the children, or "" to run them without Redis."""
        if not redis_store.configured():
            self.say("Redis is switched off (REDIS_URL is empty): running degraded")
        elif redis_store.ping():
            return str(settings.REDIS_URL)
        else:
            where = _without_password(settings.REDIS_URL)
            self.stderr.write(
                prefixed(
                    "serve",
                    f"WARNING: no Redis answers at {where}. Running degraded: in-process channel layer and "
                    "counters (rate limits and single-flight hold per process only), Celery queue in files "
                    "under the data directory. Start Redis and restart serve to leave this mode.",
                )
            )
        queue = Path(settings.LAYERCACHE_CELERY_QUEUE_DIR)
        (queue / "processed").mkdir(parents=True, exist_ok=True)
        (queue / "control").mkdir(parents=True, exist_ok=True)
        return ""


def _children(host: str, port: int) -> list[ChildSpec]:
    python = sys.executable
    return [
        ChildSpec("web", [python, "-m", "daphne", "-b", host, "-p", str(port), "layercache_site.asgi:application"]),
        # prefork (the default pool) because only it enforces the tasks' hard time limits.
        ChildSpec(
            "worker", [python, "-m", "celery", "-A", "layercache_site", "worker", "--loglevel=INFO", "--concurrency=2"]
        ),
        ChildSpec("beat", [python, "-m", "celery", "-A", "layercache_site", "beat", "--loglevel=INFO"]),
    ]


def _child_environment(redis_url: str) -> dict[str, str]:
    """The children connect to what this process set up instead of setting it up again."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "layercache_site.settings"
    env["LAYERCACHE_DATA_DIR"] = str(settings.LAYERCACHE_DATA_DIR)
    env["LAYERCACHE_REDIS_URL"] = redis_url
    env["PYTHONUNBUFFERED"] = "1"
    if not env.get("DATABASE_URL"):
        # Joining pgserver from a child would make the server's life depend on that child.
        env["DATABASE_URL"] = embedded_url(Path(settings.LAYERCACHE_DATA_DIR))
    if not env.get("SECRET_KEY") and not env.get("SECRET_KEY_FILE"):
        # The file bootstrap generated; a path keeps the key itself out of `ps e` output.
        env["SECRET_KEY_FILE"] = str(Path(settings.LAYERCACHE_DATA_DIR) / "secret_key")
    return env


def _banner(url: str, first_run: FirstRunSecrets | None) -> str:
    rule = "=" * 72
    lines = [rule, f"LayerCache is running at {url}", ""]
    if first_run is not None:
        lines += [
            "First run: an admin account and an API key were created.",
            "They are shown only this once; store them now.",
            "",
            f"  Admin:     {url}/admin/",
            f"  Username:  {first_run.username}",
            f"  Password:  {first_run.password}",
            f"  API key:   {first_run.api_key}   (team {first_run.team!r})",
            "",
            "  Try it:",
            f'    curl {url}/v1/models -H "Authorization: Bearer {first_run.api_key}"',
        ]
    else:
        lines += [
            f"  Admin:     {url}/admin/   (reset a password: python manage.py changepassword admin)",
            "  New API key: python manage.py createapikey --team NAME, or Admin > API keys > Add",
        ]
    lines += [
        f"  OpenAI SDK:    base_url={url}/v1",
        f"  Anthropic SDK: base_url={url}",
        f"  Health:        {url}/health   Dashboard: {url}/dashboard/",
        "",
        "Press Ctrl-C to stop.",
        rule,
    ]
    return "\n".join(lines)


def _port_taken(host: str, port: int) -> bool:
    try:
        with socket.create_connection((_display_host(host), port), timeout=0.5):
            return True
    except OSError:
        return False


def _display_host(host: str) -> str:
    """Where a local client reaches a server bound to `host`."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def _without_password(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    return url.replace(f":{parsed.password}@", ":***@", 1)
