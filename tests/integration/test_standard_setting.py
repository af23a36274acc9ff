"""Standard setting on SQLite and PostgreSQL: rounds, resuming, round 2, results against a hand computation, and
the per-attempt pass mark of an Angoff exam (the same fixture as tests/unit/test_standard_setting.py).

Pool: aftercare-001, aftercare-002, spacing-001, spacing-002 (the blueprint draws one of each topic, no cases);
exam default pass mark 70 %. Ratings (%):

    item            T(om)  R(ita)  S(am)  mean    used in the cut
    aftercare-001   60     70      80     70      70
    aftercare-002   40     50      60     50      50
    spacing-001     80     80      90     83.33   83.33
    spacing-002     50     60      -      (2)     70 (fallback: fewer than 3 ratings)

Cut = (mean(70, 50) + mean(83.33, 70)) / 2 = 68.33 %; the raters' own cuts 62.5, 67.5, 75 give
SE = SD / sqrt(3) = 3.6324 %; ICC(2,1) = 25/32, ICC(2,k) = 75/82 (items rated by all three).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from quiz.adapters.orm import Attempt, AuditEvent
from quiz.services import attempts, exams, exports
from quiz.services import standard_setting as sts
from quiz.services import standard_setting_results as ssr
from quiz.services.errors import Conflict, InvalidInput, PermissionDenied
from tests.conftest import make_user
from tests.integration.attempt_helpers import T0, call, load_bank, make_cohort, right_answer, wrong_answer

A1, A2, S1, S2 = "aftercare-001", "aftercare-002", "spacing-001", "spacing-002"
VALUE = {A1: .7, A2: .5, S1: 2.5 / 3, S2: .7}
ROUND1 = {"T": {A1: 60, A2: 40, S1: 80, S2: 50}, "R": {A1: 70, A2: 50, S1: 80, S2: 60}, "S": {A1: 80, A2: 60, S1: 90}}


@pytest.fixture
def panel(platform, trainer, trainee):
    return build_panel(platform, trainer, trainee)


def build_panel(platform, trainer, trainee):
    load_bank(platform, per_topic=2, topics=("aftercare", "spacing"), with_case=False)
    cohort = make_cohort(platform, trainer.id, [trainee.id])
    exam = call(platform, exams.define_exam, trainer, cohort_id=cohort, name="Angoff exam",
                topics={"aftercare": 1, "spacing": 1}, include_cases=False, pass_mark=0.7,
                pass_mark_method="angoff", review_options={"show_score": True})
    rita = make_user(platform, "trainer", "rita@example.com", "Rita Rater")
    sam = make_user(platform, "admin", "sam@example.com", "Sam Senior")
    study = call(platform, sts.open_study, trainer, exam.id, "Spring panel", now=T0)
    for who in (trainer, rita, sam):
        call(platform, sts.invite, trainer, study.id, who.email)
    return {"exam": exam.id, "study": study.id, "T": trainer, "R": rita, "S": sam, "trainee": trainee}


def rate_round1(platform, p):
    for who, marks in ROUND1.items():
        for qid, value in marks.items():
            call(platform, sts.save_rating, p[who], p["study"], qid, value)


def test_round_one_results_match_the_hand_computation(platform, panel):
    rate_round1(platform, panel)
    res = call(platform, ssr.results, panel["T"], panel["study"])
    by = {i.question_id: i for i in res.items}
    assert [i.question_id for i in res.items] == [A1, A2, S1, S2]
    assert (by[A1].summary.n, by[A1].summary.mean, by[A1].summary.sd) == (3, pytest.approx(.7), pytest.approx(.1))
    assert by[S2].fallback and by[S2].value == pytest.approx(.7) and not by[S1].fallback
    assert res.cut.cut == pytest.approx(0.683333, abs=1e-6)
    assert res.cut.se == pytest.approx(0.036324, abs=1e-6)
    assert res.reliability.icc_single == pytest.approx(25 / 32)
    assert res.reliability.icc_average == pytest.approx(75 / 82)
    assert [name for _, name in res.disagreement] == ["Sam Senior", "Tom Trainer", "Rita Rater"]
    csv = call(platform, ssr.export_csv, panel["T"], panel["study"]).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("question_id,topic,objective,ratings,mean_percent")
    assert "spacing-002,spacing,spacing.spacing-002,2,55.0" in csv and "68.33" in csv


def test_ratings_save_as_given_and_a_rater_resumes(platform, panel):
    call(platform, sts.save_rating, panel["R"], panel["study"], A1, 70)
    call(platform, sts.save_rating, panel["R"], panel["study"], S1, 85)
    call(platform, sts.save_rating, panel["R"], panel["study"], S1, 80)  # changed mind
    sheet = call(platform, sts.rating_sheet, panel["R"], panel["study"])  # a new session, as after logging in
    assert {i.question_id: i.rating for i in sheet.items} == {A1: 70, A2: None, S1: 80, S2: None}
    assert sheet.rated == 2 and not sheet.done and sheet.items[0].question.explanation
    with platform.sessions() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "standard_setting_rated")
                           .order_by(AuditEvent.id)).all()
        assert [(e.target, e.detail.get("before"), e.detail["after"]) for e in events] == [
            (A1, None, 70), (S1, None, 85), (S1, 85, 80)]
        assert {"standard_setting_opened", "standard_setting_rater_invited"} <= {
            a for (a,) in s.execute(select(AuditEvent.action))}


@pytest.mark.parametrize("bad", [63, 105, -5, "x", None])
def test_bad_ratings_are_refused_and_lose_nothing(platform, panel, bad):
    call(platform, sts.save_rating, panel["R"], panel["study"], A1, 70)
    with pytest.raises(InvalidInput):
        call(platform, sts.save_rating, panel["R"], panel["study"], A1, bad)
    assert call(platform, sts.rating_sheet, panel["R"], panel["study"]).items[0].rating == 70


def test_only_invited_raters_rate_and_only_the_exam_manager_runs_the_study(platform, panel):
    other = make_user(platform, "trainer", "olga@example.com", "Olga Other")
    with pytest.raises(PermissionDenied):
        call(platform, sts.save_rating, other, panel["study"], A1, 50)
    with pytest.raises(PermissionDenied):
        call(platform, sts.save_rating, panel["trainee"], panel["study"], A1, 50)
    with pytest.raises(PermissionDenied):
        call(platform, sts.invite, other, panel["study"], other.email)
    with pytest.raises(PermissionDenied):
        call(platform, sts.open_study, other, panel["exam"])
    with pytest.raises(InvalidInput):  # a trainee cannot be a rater
        call(platform, sts.invite, panel["T"], panel["study"], panel["trainee"].email)
    with pytest.raises(InvalidInput):
        call(platform, sts.save_rating, panel["R"], panel["study"], "hygiene-001", 50)


def test_round_two_shows_the_spread_and_collects_revised_ratings(platform, panel):
    rate_round1(platform, panel)
    call(platform, sts.finish_round, panel["S"], panel["study"])
    call(platform, sts.start_round_two, panel["T"], panel["study"])
    sheet = call(platform, sts.rating_sheet, panel["S"], panel["study"])
    assert sheet.round == 2 and not sheet.done and sheet.round1_cut == pytest.approx(0.683333, abs=1e-6)
    a1 = sheet.items[0]
    assert (a1.round1, a1.rating, a1.panel.n, a1.panel.mean, a1.panel.low, a1.panel.high) == (
        80, None, 3, pytest.approx(.7), .6, .8)
    assert a1.facility_near_cut is None  # nobody has sat the exam yet
    # Sam revises aftercare-001 to 65 and rates spacing-002 (now 3 ratings: 50, 60, 70 -> 60 %).
    call(platform, sts.save_rating, panel["S"], panel["study"], A1, 65)
    call(platform, sts.save_rating, panel["S"], panel["study"], S2, 70)
    res = call(platform, ssr.results, panel["T"], panel["study"])
    by = {i.question_id: i for i in res.items}
    assert by[A1].summary.mean == pytest.approx(.65) and by[A1].round1_mean == pytest.approx(.7)
    assert by[S2].summary.mean == pytest.approx(.6) and not by[S2].fallback
    # cut = (mean(.65, .5) + mean(.8333, .6)) / 2
    assert res.cut.cut == pytest.approx((.575 + (2.5 / 3 + .6) / 2) / 2)
    assert res.round1_cut.cut == pytest.approx(0.683333, abs=1e-6)
    with pytest.raises(Conflict):
        call(platform, sts.start_round_two, panel["T"], panel["study"])
    call(platform, sts.close_study, panel["T"], panel["study"])
    with pytest.raises(Conflict):
        call(platform, sts.save_rating, panel["S"], panel["study"], A1, 50)


def _sit(platform, p, right: int):
    aid = call(platform, attempts.start_exam, p["trainee"], p["exam"], now=T0)
    for pos in range(2):
        answer = right_answer(platform, aid, pos) if pos < right else wrong_answer(platform, aid, pos)
        call(platform, attempts.save_answer, p["trainee"], aid, pos, answer, now=T0)
    res = call(platform, attempts.submit, p["trainee"], aid, now=T0 + timedelta(minutes=3))
    with platform.sessions() as s:
        a = s.get(Attempt, aid)
        drawn = [i.question_version.question_id for i in a.items]
        return aid, res, drawn, dict(a.settings)


def test_each_attempt_gets_the_cut_score_of_the_items_it_drew(platform, panel):
    rate_round1(platform, panel)
    # Before any study is closed, every item falls back to the exam's 70 %.
    with platform.transaction() as s:
        from quiz.adapters.orm import Exam
        exam = s.get(Exam, panel["exam"])
        questions = [q for q, _ in sts.pool_questions(s, s.get(sts.StandardSettingStudy, panel["study"]))]
        assert sts.attempt_pass_mark(s, exam, questions[:2])[0] == pytest.approx(.7)
    call(platform, sts.close_study, panel["T"], panel["study"])
    aid, res, drawn, settings = _sit(platform, panel, right=1)  # 50 %
    expected = sum(VALUE[q] for q in drawn) / 2  # by hand: the mean of the two drawn items' values
    assert settings["pass_mark"] == pytest.approx(expected, abs=1e-6) and settings["pass_mark_method"] == "angoff"
    assert settings["pass_mark_fallback"] == [q for q in drawn if q == S2]
    assert res.pass_mark == pytest.approx(expected, abs=1e-6) and res.pass_mark_method == "angoff"
    assert res.passed is False  # 50 % is below every possible cut here (the lowest is 60 %)
    rows = call(platform, exports.results_rows, panel["T"], exam_id=panel["exam"])
    assert [r["pass_mark"] for r in rows] == [round(expected * 100, 1)]  # exports carry the attempt's own mark
    check = call(platform, ssr.reality_check, panel["T"], panel["study"])
    assert check.attempts == 1 and check.fixed_pass_rate == 0 and check.angoff_pass_rate == 0
    assert check.angoff_mean_cut == pytest.approx(expected, abs=1e-6) and check.hofstee is None
    near = ssr.facility_near_cut  # the trainee scored 50 %: within 10 points of a 55 % cut, not of 68 %
    with platform.sessions() as s:
        assert set(near(s, panel["exam"], .55)) == set(drawn) and near(s, panel["exam"], .683) == {}


def test_fixed_exams_keep_their_pass_mark_and_hofstee_uses_the_panel_window(platform, panel):
    call(platform, exams.update_exam, panel["T"], panel["exam"], pass_mark_method="fixed")
    rate_round1(platform, panel)
    for who, window in (("T", (50, 80, 10, 50)), ("R", (60, 90, 10, 30))):
        call(platform, sts.set_hofstee, panel[who], panel["study"], min_cut=window[0], max_cut=window[1],
             min_fail=window[2], max_fail=window[3])
    with pytest.raises(InvalidInput):
        call(platform, sts.set_hofstee, panel["S"], panel["study"], min_cut=80, max_cut=60, min_fail=0, max_fail=5)
    call(platform, sts.close_study, panel["T"], panel["study"])
    _, res, _, settings = _sit(platform, panel, right=2)
    assert settings["pass_mark"] == pytest.approx(.7) and "pass_mark_method" not in settings and res.passed
    check = call(platform, ssr.reality_check, panel["T"], panel["study"])
    # window = means: cut 55-85 %, fail 10-40 %; the one score (100 %) never fails below 85 %: cut 85 %
    assert check.hofstee_window == pytest.approx((.55, .85, .10, .40)) and check.hofstee_raters == 2
    assert check.hofstee.cut == pytest.approx(.85) and check.fixed_pass_rate == 1 and check.angoff_pass_rate == 1
    with pytest.raises(InvalidInput):
        call(platform, exams.update_exam, panel["T"], panel["exam"], pass_mark_method="median")


def test_report_for_the_command_line(platform, panel):
    rate_round1(platform, panel)
    call(platform, sts.close_study, panel["T"], panel["study"])
    with platform.sessions() as s:
        rep = ssr.report(s, "Angoff exam")
    assert rep["cut_score"] == pytest.approx(0.683333, abs=1e-6) and rep["study"]["adopted"]
    assert rep["reliability"]["icc_2_k"] == pytest.approx(75 / 82)
    assert [i["n"] for i in rep["items"]] == [3, 3, 3, 2]


def test_cli_report_prints_the_cut_score_and_json(monkeypatch, tmp_path, capsys):
    from quiz.bootstrap import open_platform
    from quiz.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("QUIZ_BANK_PATH", raising=False)
    platform = open_platform()
    p = build_panel(platform, make_user(platform, "trainer", "trainer@example.com", "Tom Trainer"),
                    make_user(platform, "trainee", "trainee@example.com", "Tia Trainee"))
    rate_round1(platform, p)
    assert main(["standard", "report", "--exam", "Angoff exam"]) == 0
    out = capsys.readouterr().out
    assert "Cut score: 68.3%" in out and "SE: 3.63 points" in out and "ICC(2,k): 0.915" in out
    assert "spacing-002" in out and "fewer than 3 ratings" in out
    assert main(["standard", "report", "--exam", "Angoff exam", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["cut_score"] == pytest.approx(0.683333, abs=1e-6) and d["study"]["state"] == "open"
    assert main(["standard", "report", "--exam", "Nope"]) == 1
    platform.engine.dispose()


def test_regrades_grade_against_the_attempts_own_angoff_pass_mark(platform, panel):
    from quiz.services import regrade

    rate_round1(platform, panel)
    call(platform, sts.close_study, panel["T"], panel["study"])
    aid, res, drawn, settings = _sit(platform, panel, right=1)  # 50 %, below its own cut (60 % or more)
    call(platform, exams.update_exam, panel["T"], panel["exam"], pass_mark=0.4)  # would pass 50 % if it counted
    assert call(platform, regrade.preview, panel["T"], exam_id=panel["exam"]).changes == ()
    plan = call(platform, regrade.apply, panel["T"], exam_id=panel["exam"], question_id=drawn[1], mode="remove")
    assert [(c.attempt_id, c.new_percent, c.new_passed) for c in plan.changes] == [(aid, 1.0, True)]
    with platform.sessions() as s:
        assert s.get(Attempt, aid).settings["pass_mark"] == pytest.approx(settings["pass_mark"])
