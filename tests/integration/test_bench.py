"""python -m quiz bench --scale small on SQLite and PostgreSQL: it builds the academy, times every use case
and prints issue 13's JSON shape. Marked slow (CI runs it); no figure is asserted here - the targets are
checked by the benchmark, never by a timed test."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from quiz.adapters.orm import Attempt, Response
from quiz.cli import bench, main
from quiz.services import synthetic

pytestmark = pytest.mark.slow


def test_small_bench_builds_the_academy_and_reports_every_row(platform):  # noqa: ANN001
    result = bench.run(platform.settings.database_url, "small", quick=True)
    assert result["scale"] == "small" and result["database"] == platform.engine.dialect.name
    assert [r["name"] for r in result["rows"]] == list(bench.TARGETS_MS)
    for row in result["rows"]:
        assert {"name", "median_ms", "p95_ms", "target_ms", "holds"} <= set(row)
        assert row["median_ms"] > 0 and row["p95_ms"] >= row["median_ms"] and isinstance(row["holds"], bool)
    assert result["item_analysis_ratio_to_numpy"] > 0 and result["peak_rss_mib"] > 0
    with platform.transaction() as s:
        # the academy, the item-analysis set (one sitting each) and the timed sitting
        sittings = synthetic.item_set(s).trainees
        assert sittings == result["item_analysis_set"]["trainees"] == 400
        assert s.scalar(select(func.count(Attempt.id))) == result["academy"]["attempts"] + sittings + 1
        assert s.scalar(select(func.count(Response.id))) >= result["academy"]["responses"] + 40 * sittings
        assert synthetic.existing(s).trainees == 300
    analysis = next(r for r in result["rows"] if r["name"] == "item analysis, first attempts")
    assert "400 first attempts of a 40-item exam" in analysis["note"] and analysis["ratio_to_numpy"] > 0
    assert "| save one exam answer |" in bench.table(result)


def test_an_academy_built_before_the_item_set_gets_it_on_the_next_run(platform):  # noqa: ANN001
    with platform.transaction() as s:
        synthetic.build(s, "small")
    result = bench.run(platform.settings.database_url, "small", quick=True)
    assert result["academy"]["build_seconds"] == 0  # reused, not rebuilt
    assert result["item_analysis_set"]["build_seconds"] > 0
    with platform.transaction() as s:
        assert synthetic.item_set(s).trainees == 400


def test_bench_json_on_the_command_line(tmp_path, capsys, monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(bench, "run", lambda database, scale, quick=False: {
        "scale": scale, "database": "sqlite", "rows": [], "item_analysis_ratio_to_numpy": 1.5,
        "peak_rss_mib": 100.0, "academy": {}})
    assert main(["bench", "--scale", "small", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"scale", "database", "rows", "item_analysis_ratio_to_numpy", "peak_rss_mib"}
