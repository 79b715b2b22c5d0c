"""What an entry point prepares before Django configures itself.

Called explicitly by manage.py and the test suite (never on import): the data directory,
a persistent generated SECRET_KEY for local installs, and the embedded Postgres when no
DATABASE_URL is given.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from layercache_site.embedded_postgres import start_unless_external


def data_dir() -> Path:
    base = Path(__file__).resolve().parent.parent
    raw = os.environ.get("LAYERCACHE_DATA_DIR", "")
    return Path(raw).expanduser().resolve() if raw else base / ".data"


def ensure_secret_key(directory: Path) -> None:
    if os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE"):
        return
    key_file = directory / "secret_key"
    if not key_file.exists():
        tmp = key_file.with_suffix(".tmp")
        tmp.write_text(secrets.token_urlsafe(50))
        tmp.chmod(0o600)
        os.replace(tmp, key_file)


def prepare_environment() -> Path:
    directory = data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "layercache_site.settings")
    # pgserver keeps its lock under the user runtime dir; give it one where none is set.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(directory / "run"))
    (directory / "run").mkdir(exist_ok=True, mode=0o700)
    ensure_secret_key(directory)
    start_unless_external(directory)
    return directory
