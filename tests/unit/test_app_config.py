"""The Streamlit settings the app relies on (.streamlit/config.toml, read by every app process)."""

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def test_no_full_garbage_collection_after_every_script_run():
    # Streamlit's default (runner.postScriptGC = true) runs gc.collect(2) after every script and fragment run:
    # with 30 trainees on one process that was about 100 of the 140 ms of CPU an exam action cost.
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False
