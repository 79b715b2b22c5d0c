"""The embedded Postgres (with pgvector) used when DATABASE_URL is unset.

The `pgserver` wheel ships Postgres 16 with pgvector; this module is its only user. The
server lives under LAYERCACHE_DATA_DIR/postgres, so a second start reuses the data. It is
started explicitly by the entry points (manage.py, the test suite), never on import.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_server: Any = None


def ensure_running(data_dir: Path) -> str:
    """Start (or join) the embedded server and return its connection URL.

    The server stops when the last process that joined it exits (pgserver counts handles
    across processes), so child processes should be given the URL instead of joining.
    """
    global _server
    import pgserver  # only here: importing it is slow and only the embedded mode needs it

    pgdata = data_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    if _server is None:
        _server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
        # client_min_messages: no "already exists" NOTICE on every start.
        _server.psql("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS vector;")
        logger.info("embedded postgres ready in %s", pgdata)
    return str(_server.get_uri())


def embedded_url(data_dir: Path) -> str:
    """Where the embedded server listens (pgserver puts its socket in the data folder)."""
    return f"postgresql://postgres:@/postgres?host={data_dir / 'postgres'}"


def start_unless_external(data_dir: Path) -> None:
    """Start the embedded server unless DATABASE_URL points elsewhere."""
    if not os.environ.get("DATABASE_URL"):
        ensure_running(data_dir)
