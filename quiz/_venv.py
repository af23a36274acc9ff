"""Zero-set-up start: make sure ``python3 -m quiz ...`` runs inside the project's virtual environment.

On first use (or when requirements.txt changes) it creates ``.venv`` and installs requirements.txt, then
re-runs the same command with the environment's Python. Standard library only: it runs before any
dependency is installed. Set QUIZ_NO_VENV=1 to use the current interpreter as it is (e.g. in a container
that installed the requirements itself).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"


def _python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _inside_venv() -> bool:
    try:
        return Path(sys.prefix).resolve() == VENV.resolve()
    except OSError:
        return False


def ensure_venv() -> None:
    """Create/update .venv when needed and re-exec into it; returns only when already inside it."""
    if os.environ.get("QUIZ_NO_VENV") == "1":
        return
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    current = STAMP.read_text().strip() if STAMP.exists() else ""
    if current != wanted:
        if not _python().exists():
            print(f"[quiz] creating the virtual environment in {VENV} ...", file=sys.stderr, flush=True)
            venv.EnvBuilder(with_pip=True).create(VENV)
        print("[quiz] installing requirements (first run or requirements.txt changed) ...", file=sys.stderr,
              flush=True)
        subprocess.run([str(_python()), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(_python()), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)
        STAMP.write_text(wanted)
    if not _inside_venv():
        os.execv(str(_python()), [str(_python()), "-m", "quiz", *sys.argv[1:]])
