import sys

from quiz._venv import ensure_venv

ensure_venv()

from quiz.cli import main  # noqa: E402  (imported after the environment is ready)

sys.exit(main())
