"""The academy overview page in AppTest: an administrator's table of every cohort with the totals, the answer
figures once their background refresh has run, the CSV link, and the way into a cohort's dashboard; a trainer's
own cohorts; no page for trainees."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from quiz import background
from quiz.adapters.orm import Cohort, User
from quiz.bootstrap import Platform
from quiz.services import accounts, demo
from quiz.services.permissions import Actor
from quiz.ui import cache
from quiz.ui.pages import pages_for
from quiz.web.downloads import ACADEMY_URL
from tests.factories import make_bank
from tests.ui.apptest import button, no_trace, open_page, prepare_app, texts


@pytest.fixture
def app_env(sqlite_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    prepare_app(sqlite_platform, make_bank(per_topic=9, with_case=False), tmp_path, monkeypatch)
    with sqlite_platform.transaction() as s:
        demo.populate(s, seed=5, trainees=6, days=40)
    cache._call.clear()
    yield sqlite_platform
    cache._call.clear()


@pytest.fixture
def refreshes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The background refreshes the page asks for, run at once (in the page's run) instead of on a thread."""
    asked: list[str] = []

    def run_now(name, work):  # noqa: ANN001, ANN202
        asked.append(name)
        work()
        return True

    monkeypatch.setattr(background, "run_once_in_background", run_now)
    return asked


def _user(platform: Platform, role: str, email: str) -> Actor:
    with platform.transaction() as s:
        return Actor.of(accounts.create_user(s, None, email=email, name=email.split("@")[0].title(), role=role,
                                             password="password123"))


def test_an_administrator_sees_every_cohort_and_opens_one_on_the_dashboard(app_env, refreshes):
    admin = _user(app_env, "admin", "ada@example.com")
    with app_env.sessions() as s:
        cohorts = {c.name: c.id for c in s.scalars(select(Cohort))}
    at = open_page(admin, "academy")
    no_trace(at)
    assert at.title[0].value == "Academy overview"
    assert "Every cohort of the academy." in texts(at)
    assert "being computed" in texts(at)  # the first view ever: the answer figures are not there yet...
    assert refreshes == ["academy-answers"]  # ...and their refresh was started
    table = at.dataframe[0].value
    assert sorted(table["Cohort"]) == sorted(cohorts)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cohorts"] == str(len(cohorts)) and int(metrics["Trainees"]) == 6
    assert any(ACADEMY_URL in h.proto.body for h in at.get("html"))

    at.run()  # the refresh has run: the next run shows its figures and asks for none
    no_trace(at)
    assert refreshes == ["academy-answers"]
    assert "as of" in texts(at)
    assert {m.label: m.value for m in at.metric}["Weakest topic"] != "—"
    assert at.dataframe[0].value["Weakest topic"].notna().all()

    chosen = max(cohorts.values())
    at.selectbox(key="academy_cohort").set_value(chosen).run()
    button(at, "Open its dashboard").click().run()
    no_trace(at)
    assert at.title[0].value == "Dashboard"
    assert at.selectbox(key="dash_cohort").value == chosen


def test_the_order_puts_the_lowest_pass_rate_first(app_env, refreshes):
    admin = _user(app_env, "admin", "ada@example.com")
    at = open_page(admin, "academy")
    at.radio(key="academy_order").set_value("pass_rate").run()
    no_trace(at)
    rates = [r for r in at.dataframe[0].value["First-attempt pass rate"] if r == r]  # NaN: no first attempt
    assert rates == sorted(rates)


def test_a_trainer_sees_the_cohorts_they_run(app_env, refreshes):
    with app_env.sessions() as s:
        tom = Actor.of(s.scalar(select(User).where(User.email == demo.TRAINER_EMAIL)))
    at = open_page(tom, "academy")
    no_trace(at)
    assert "The cohorts you run." in texts(at)
    assert len(at.dataframe[0].value) == 2  # the demo trainer's two cohorts
    newcomer = _user(app_env, "trainer", "new@example.com")
    at = open_page(newcomer, "academy")
    no_trace(at)
    assert "There is no cohort yet" in texts(at)


def test_trainees_have_no_academy_page():
    assert "academy" not in {p.key for p in pages_for("trainee")}
    assert "academy" in {p.key for p in pages_for("admin")} & {p.key for p in pages_for("trainer")}
