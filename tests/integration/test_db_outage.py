"""A database outage in the middle of an exam (issue 13), with the app talking to PostgreSQL through a TCP
forwarder this test cuts and restores (the machine's PostgreSQL keeps running for everyone else): saving
fails with a database error the pages turn into a clear message, the answers saved before stay saved, the
answer given during the outage is saved once the database is back - by the same engine, which recovers by
itself (pool_pre_ping) - and the deadline still counts."""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from quiz.adapters.db import make_engine, session_factory
from quiz.bootstrap import Platform
from quiz.core.config import Settings
from quiz.services import attempts
from quiz.services.attempts.common import DeadlinePassed
from tests.conftest import PROJECT_ROOT, _make_user, _truncate_all
from tests.integration.attempt_helpers import T0, call, load_bank, make_exam, right_answer


class Forwarder:
    """127.0.0.1:<port> -> target, in a thread; ``cut()`` drops every connection and refuses new ones
    (accepts and closes them at once) until ``restore()``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.up = True
        self.loop = asyncio.new_event_loop()
        self.writers: set[asyncio.StreamWriter] = set()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        ready.set()
        self.loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers.difference_update((writer, up_writer))

    def _call(self, fn: Any) -> None:
        done = threading.Event()

        def run() -> None:
            fn()
            done.set()

        self.loop.call_soon_threadsafe(run)
        done.wait(10)

    def cut(self) -> None:
        def drop() -> None:
            self.up = False
            for w in list(self.writers):
                w.transport.abort()
            self.writers.clear()

        self._call(drop)

    def restore(self) -> None:
        self._call(lambda: setattr(self, "up", True))

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def outage(pg_url: str):  # noqa: ANN201
    url = make_url(pg_url)
    admin = create_engine(url)
    _truncate_all(admin)
    admin.dispose()
    fwd = Forwarder((url.host or "127.0.0.1", url.port or 5432))
    through = url.set(host="127.0.0.1", port=fwd.port).render_as_string(hide_password=False)
    engine = make_engine(through)
    platform = Platform(settings=Settings(database_url=through, bank_path=PROJECT_ROOT / "question_bank"),
                        engine=engine, sessions=session_factory(engine))
    yield platform, fwd
    engine.dispose()
    fwd.close()


def test_an_outage_mid_exam_keeps_saved_answers_saves_the_next_once_back_and_the_deadline_counts(outage):  # noqa: ANN001
    platform, fwd = outage
    load_bank(platform)
    trainee = _make_user(platform, "trainee", "tia@example.com", "Tia Trainee")
    exam = make_exam(platform, topics={"aftercare": 2, "spacing": 2}, time_limit_minutes=30)
    aid = call(platform, attempts.start_exam, trainee, exam, now=T0)
    first = right_answer(platform, aid, 0)
    call(platform, attempts.save_answer, trainee, aid, 0, first, now=T0)
    second = right_answer(platform, aid, 1)
    before = call(platform, attempts.attempt_view, trainee, aid, now=T0)

    fwd.cut()  # PostgreSQL is unreachable
    with pytest.raises(DBAPIError):  # the pages show "The database could not be reached just now ..."
        call(platform, attempts.save_answer, trainee, aid, 1, second, now=T0 + timedelta(minutes=5))
    with pytest.raises(DBAPIError):
        call(platform, attempts.attempt_view, trainee, aid, now=T0 + timedelta(minutes=5))

    fwd.restore()  # back: the same engine recovers by itself, no restart
    call(platform, attempts.save_answer, trainee, aid, 1, second, now=T0 + timedelta(minutes=6))
    view = call(platform, attempts.attempt_view, trainee, aid, now=T0 + timedelta(minutes=6))
    assert [i.answer for i in view.items[:2]] == [first, second]  # saved before, and the one kept on screen
    assert view.deadline_at == before.deadline_at  # the outage did not stop the clock
    assert view.seconds_left == before.seconds_left - 6 * 60
    with platform.transaction() as s:
        assert s.execute(text("select count(*) from responses where attempt_id = :a"), {"a": aid}).scalar() == 2

    # the deadline still counts: after it, a save is refused and the exam is graded with what was saved
    late = before.deadline_at + timedelta(seconds=1)
    with pytest.raises(DeadlinePassed):
        call(platform, attempts.save_answer, trainee, aid, 2, right_answer(platform, aid, 2), now=late)
    assert call(platform, attempts.attempt_view, trainee, aid, now=late).state == "expired"


def test_the_exam_page_through_an_outage_says_so_keeps_the_answer_and_saves_it_when_back(outage, tmp_path,  # noqa: ANN001
                                                                                          monkeypatch):
    from sqlalchemy import select

    from quiz.adapters.orm import Response
    from quiz.ui.pages import exam as exam_page
    from tests.factories import make_bank
    from tests.ui.apptest import open_page, prepare_app, texts

    platform, fwd = outage
    prepare_app(platform, make_bank(per_topic=4, with_case=False), tmp_path, monkeypatch)
    tia = _make_user(platform, "trainee", "tia@example.com", "Tia Trainee")
    exam = make_exam(platform, name="Foundation certificate", topics={"spacing": 2, "hygiene": 1})
    with platform.transaction() as s:
        aid = attempts.start_exam(s, tia, exam)
        deadline = s.get(__import__("quiz.adapters.orm", fromlist=["Attempt"]).Attempt, aid).deadline_at
    at = open_page(tia, "exams")
    assert "Answers are saved as you choose them" in texts(at)
    key = right_answer(platform, aid, 0)

    fwd.cut()
    at.radio[0].set_value(key).run()
    assert "Not saved — retrying" in texts(at)  # a clear message, beside the count
    assert at.radio[0].value == key  # the answer being given stays on screen
    assert not at.exception

    fwd.restore()
    monkeypatch.setattr(exam_page, "RETRY_AFTER", 0.0)  # (instead of waiting 2 seconds)
    at.run()  # the next click or the clock's tick: the app recovers by itself and saves it
    assert "Not saved" not in texts(at) and "Saved " in texts(at)
    with platform.transaction() as s:
        assert s.scalar(select(Response.answer).where(Response.attempt_id == aid)) == key
        assert s.get(__import__("quiz.adapters.orm", fromlist=["Attempt"]).Attempt, aid).deadline_at == deadline
    from quiz.ui import runtime

    runtime.get_platform.clear()
