"""Several app processes behind nginx (python -m quiz serve --workers 2) on one PostgreSQL: the app process
serving a trainee is killed mid-exam; the trainee's next action lands on the other process and the exam goes
on with every answer and the same time left (issue 13). nginx and PostgreSQL are started/used in temp
places: the machine's own PostgreSQL keeps running, a throw-away database is made and dropped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from quiz.adapters.orm import Attempt, Cohort, CohortMember, Exam, Response
from quiz.bootstrap import open_platform
from quiz.cli import workers
from quiz.core.config import PROJECT_ROOT, Settings
from quiz.services import accounts
from quiz.services.bank_sync import sync_bank
from tests.conftest import PG_URL, missing
from tests.e2e.conftest import SETUP_CODE, free_port, wait_idle
from tests.e2e.trainee_setup import TRAINEE, TRAINER, sign_in, start_exam
from tests.factories import make_bank, write_bank_dir

pytestmark = pytest.mark.e2e


@pytest.fixture
def database(tmp_path):  # noqa: ANN001, ANN201
    admin_url = make_url(PG_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as err:  # noqa: BLE001
        missing(f"PostgreSQL ({type(err).__name__})")
        return
    try:
        workers.nginx_binary()
    except FileNotFoundError:
        missing("nginx (apt-get install -y nginx)")
    name = f"quiz_e2e_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    bank = make_bank(per_topic=6, with_case=False)
    bank_dir = write_bank_dir(bank, tmp_path / "bank")
    platform = open_platform(Settings(database_url=url, bank_path=bank_dir))
    with platform.transaction() as s:
        sync_bank(s, bank)
        trainer = accounts.create_user(s, None, email=TRAINER[0], name="Rosa Trainer", role="trainer",
                                       password=TRAINER[1])
        trainee = accounts.create_user(s, None, email=TRAINEE[0], name="Tia Trainee", role="trainee",
                                       password=TRAINEE[1])
        cohort = Cohort(name="Spring 2027", invite_code="SPRING27", trainer_id=trainer.id)
        s.add(cohort)
        s.flush()
        s.add(CohortMember(cohort_id=cohort.id, user_id=trainee.id))
        s.add(Exam(name="Foundation certificate", cohort_id=cohort.id, blueprint={"topics": {"aftercare": 3}},
                   time_limit_minutes=30, pass_mark=0.6, attempts_allowed=3, wait_hours=0, created_by=trainer.id,
                   review_options={"show_score": True, "show_answers": True, "show_explanations": True}))
    yield url, bank_dir, platform
    platform.engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _established(port: int) -> int:
    """Open TCP connections to 127.0.0.1:port (nginx -> that app process: the browser's websocket)."""
    n = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "01" and int(local.split(":")[1], 16) == port:
            n += 1
    return n


def _app_pids(log: Path) -> dict[int, int]:
    """port -> pid of the app process serving it now (the serve log names each process it starts)."""
    return {int(b): int(a) for a, b in re.findall(r"app process (\d+) on 127\.0\.0\.1:(\d+)", log.read_text())}


def _wait_up(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")


def test_killing_the_process_mid_exam_moves_the_trainee_to_another_with_every_answer(database, browser,  # noqa: ANN001
                                                                                     tmp_path):
    from playwright.sync_api import expect

    url, bank_dir, platform = database
    port = free_port()
    while any(_established(p) for p in (port + 1, port + 2)):
        port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "DATABASE_URL": url, "QUIZ_BANK_PATH": str(bank_dir), "QUIZ_SETUP_CODE": SETUP_CODE,
           "QUIZ_NO_VENV": "1", "PYTHONUNBUFFERED": "1"}
    serve = subprocess.Popen([sys.executable, "-m", "quiz", "serve", "--workers", "2", "--port", str(port),
                              "--address", "127.0.0.1"], cwd=PROJECT_ROOT, env=env, stdout=log.open("w"),
                             stderr=subprocess.STDOUT, process_group=0)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    base = f"http://127.0.0.1:{port}"
    try:
        for p in (port, port + 1, port + 2):
            _wait_up(f"http://127.0.0.1:{p}")
        sign_in(page, base)
        page.get_by_role("link", name="Certification exams").first.click()
        wait_idle(page)
        start_exam(page)
        expect(page.get_by_text("Time left")).to_be_visible()
        label = page.get_by_role("radiogroup").first.locator("label").first
        first = label.inner_text().strip()
        label.click()
        wait_idle(page)
        expect(page.get_by_role("button", name="1✓")).to_be_visible()
        with platform.transaction() as s:
            attempt = s.scalar(select(Attempt).where(Attempt.mode == "exam"))
            deadline = attempt.deadline_at

        # which process holds this browser's websocket? kill it (SIGKILL: no goodbye)
        serving = [p for p in (port + 1, port + 2) if _established(p)]
        assert len(serving) == 1, serving
        killed = _app_pids(log)[serving[0]]
        os.kill(killed, signal.SIGKILL)

        # the browser reconnects through nginx to the other process: still signed in, same exam, same answer
        expect(page.get_by_role("button", name="1✓")).to_be_visible(timeout=60_000)
        wait_idle(page, timeout=60_000)
        expect(page.get_by_role("heading", name="Log in")).to_have_count(0)
        expect(page.get_by_role("radio", name=first)).to_be_checked()
        # Next, then question 2 itself (wait_idle can return before the click's rerun has started, and question
        # 1's options would then take the click). A click sent while the browser is still re-establishing its
        # session with the new process can be dropped by Streamlit's frontend; a person clicks again, so do we.
        question_2 = page.get_by_text(re.compile(r"^Question 2 of \d+")).first
        for _ in range(3):
            page.get_by_role("button", name="Next →").click()
            try:
                expect(question_2).to_be_visible(timeout=15_000)
                break
            except AssertionError:
                continue
        expect(question_2).to_be_visible()
        wait_idle(page)
        page.get_by_role("radiogroup").first.locator("label").first.click()
        wait_idle(page)
        expect(page.get_by_role("button", name="2✓")).to_be_visible(timeout=30_000)
        # served by another process now: the other one, or (serve restarts a dead process, and nginx may send
        # the sticky client back to its port) the killed one's replacement, never the killed process itself
        now_serving = [_app_pids(log)[p] for p in (port + 1, port + 2) if _established(p)]
        assert now_serving and killed not in now_serving

        with platform.transaction() as s:
            attempt = s.scalar(select(Attempt).where(Attempt.mode == "exam"))
            assert attempt.state == "in_progress" and attempt.deadline_at == deadline  # the same time left
            assert len(s.scalars(select(Response).where(Response.attempt_id == attempt.id)).all()) == 2
        assert "Traceback" not in page.content()
    finally:
        context.close()
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        if serve.returncode not in (0, None):
            print(log.read_text()[-4000:])
