"""numpy's BLAS runs single-threaded in every process of the app unless told otherwise: its threads made the
vector products of item analysis hundreds of times slower on a busy machine (quiz/__init__.py)."""

from __future__ import annotations

import os
import subprocess
import sys


def _threads(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    code = "import quiz, os; print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_one_blas_thread_unless_set_otherwise():
    assert _threads() == "1 1"
    assert _threads(OPENBLAS_NUM_THREADS="4") == "4 1"
