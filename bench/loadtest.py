"""Load test: N trainees sitting an exam at once, through real app sessions (Streamlit websockets, as a
browser tab talks to the app), with think time, against one app process or several behind nginx.

    python bench/loadtest.py --url http://127.0.0.1:8501 --database URL --trainees 200 --seconds 120

Needs a database built by ``python -m quiz bench`` (its trainees and exam). It makes N load-test trainees
(``load-K@bench.example``) with a session and an exam in progress each, then each client opens the exam page
and, after 1-3 s of thinking, answers the question on screen (a radio: the save and the exam page's data) or
moves to the next question; like a browser, each client also reruns the fragments the page asks to rerun on
their own (``run_every``). It prints p50/p95 per action and the errors, then checks that every answer a
client sent last for a question is the one in the database (lost answers). ``--cpu`` adds the CPU time the
app processes (``streamlit run``), nginx, the database's server processes (PostgreSQL) and this client used,
per action (Linux). Loopback only; bounded in time (``--seconds``) and in clients (``--trainees`` <= 500).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from bench.wsclient import Tab  # noqa: E402

MAX_TRAINEES = 500


def prepare(database: str, n: int) -> list[dict]:
    """N load-test trainees with a session token and an exam attempt in progress (made through the services)."""
    from sqlalchemy import select

    from quiz.adapters.orm import AttemptItem, CohortMember, User
    from quiz.bootstrap import open_platform
    from quiz.core.config import Settings
    from quiz.services import attempts, sessions, synthetic
    from quiz.services.permissions import Actor

    platform = open_platform(Settings(database_url=database), migrate=False)
    out = []
    with platform.transaction() as s:
        built = synthetic.existing(s)
        if built is None:
            raise SystemExit("build the academy first: python -m quiz bench --database URL")
        hash_ = s.scalar(select(User.password_hash).where(User.role == "trainee").limit(1))
        for k in range(n):
            email = f"load-{k}@{synthetic.DOMAIN}"
            user = s.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=f"Load {k}", role="trainee", password_hash=hash_)
                s.add(user)
                s.flush()
                s.add(CohortMember(cohort_id=built.cohorts[k % len(built.cohorts)], user_id=user.id))
                s.flush()
            actor = Actor(user.id, "trainee", user.name, user.email)
            aid = attempts.start_exam(s, actor, built.exam_id)
            orders = {i.position: list(i.option_order or []) for i in
                      s.scalars(select(AttemptItem).where(AttemptItem.attempt_id == aid))}
            out.append({"actor": actor, "attempt": aid, "token": sessions.create(s, user.id), "orders": orders})
    platform.engine.dispose()
    return out


async def client(base: str, who: dict, until: float, rng: random.Random, timings: dict, errors: list,
                 sent: dict) -> None:
    from quiz.services import sessions

    tab = Tab(base, f"{sessions.COOKIE_NAME}={who['token']}", page="exams")
    try:
        await tab.open()
        timings["open exam page"].append(await tab.run())
        while time.monotonic() < until:
            position = _question_on_screen(tab)  # the page opens where the trainee left off
            await asyncio.sleep(rng.uniform(1.0, 3.0))
            if time.monotonic() >= until:
                break
            radio = next((r for r in tab.radios if r.options), None)
            nxt = next((b for b in tab.buttons if b.label.startswith("Next")), None)
            if radio is None or position < 0:
                errors.append(f"{who['actor'].email}: no question on screen: {tab.texts[-3:]}")
                break
            if (who["attempt"], position) in sent and nxt is not None and rng.random() < 0.7:
                w = WidgetState(id=nxt.id, trigger_value=True)
                timings["next question"].append(await tab.run([w]))
                continue
            choice = rng.randrange(len(radio.options))
            w = WidgetState(id=radio.id, string_value=radio.options[choice])  # as the browser sends it
            took = await tab.run([w])
            timings["answer (save + page)"].append(took)
            sent[(who["attempt"], position)] = choice
            if tab.errors:
                errors.append(f"{who['actor'].email}: {tab.errors[-1][:200]}")
                tab.errors.clear()
    except Exception as err:  # noqa: BLE001 - counted, the run goes on
        errors.append(f"{who['actor'].email}: {type(err).__name__}: {err}")
    finally:
        await tab.close()
        errors.extend(f"{who['actor'].email}: {e[:200]}" for e in tab.errors)
        timings["own reruns (fragments)"].extend(tab.auto_runs)


def _question_on_screen(tab: Tab) -> int:
    """The position (0-based) of the question the page shows ("Question 3 of 20 ...")."""
    for t in tab.texts:
        found = re.match(r"\**Question (\d+) of \d+", t)
        if found:
            return int(found.group(1)) - 1
    return -1


def check(database: str, people: list[dict], sent: dict) -> int:
    """Answers sent last for a question that are not in the database (display index -> canonical option)."""
    from sqlalchemy import select

    from quiz.adapters.orm import AttemptItem, Response
    from quiz.bootstrap import open_platform
    from quiz.core.config import Settings

    platform = open_platform(Settings(database_url=database), migrate=False)
    orders = {p["attempt"]: p["orders"] for p in people}
    lost = 0
    with platform.transaction() as s:
        stored = {(a, pos): ans for a, pos, ans in s.execute(
            select(AttemptItem.attempt_id, AttemptItem.position, Response.answer)
            .join(Response, (Response.attempt_id == AttemptItem.attempt_id)
                  & (Response.question_version_id == AttemptItem.question_version_id))
            .where(AttemptItem.attempt_id.in_(list(orders))))}
    for (aid, pos), shown in sent.items():
        order = orders[aid].get(pos) or []
        expected = order[shown] if order else shown
        if stored.get((aid, pos)) != expected:
            lost += 1
    platform.engine.dispose()
    return lost


# -- CPU used (Linux /proc): the app processes, nginx, the database's server processes, this client -------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def _processes() -> dict[int, tuple[int, list[str]]]:
    """pid -> (parent pid, command line) of every process."""
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                argv = (d / "cmdline").read_bytes().decode(errors="replace").split("\0")
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            out[int(d.name)] = (ppid, argv)
    return out


def serving(port: int) -> dict[str, list[int]]:
    """The app processes serving ``port`` (``streamlit run ... --server.port P``, P = port, or port+1.. behind
    nginx) and the nginx listening on it (its master, by its configuration, and the master's workers)."""
    procs = _processes()
    apps, masters = [], []
    for pid, (_, argv) in procs.items():
        if any("streamlit" in a for a in argv) and "--server.port" in argv:
            p = argv[argv.index("--server.port") + 1]
            if p.isdigit() and port <= int(p) <= port + 32:
                apps.append(pid)
        elif argv and "nginx" in argv[0] and "-c" in " ".join(argv).split():
            words = " ".join(argv).split()  # (nginx rewrites its command line: "nginx: master process ...")
            try:
                conf = Path(words[words.index("-c") + 1]).read_text()
            except (OSError, IndexError):
                continue
            if re.search(rf"listen\s+(\S+:)?{port};", conf):
                masters.append(pid)
    workers = [pid for pid, (ppid, _) in procs.items() if ppid in masters]
    return {"app": apps, "nginx": masters + workers}


class CpuMeter:
    """CPU seconds used between start() and stop() by the app processes, nginx and, on PostgreSQL, the server
    processes serving the database's clients (polled: they come and go with the connection pools; autovacuum
    is left out)."""

    def __init__(self, database: str, port: int, application: str | None = None) -> None:
        self.database = database
        self.application = application  # only the backends of connections that named themselves so
        self.groups = serving(port)
        self.before: dict[int, float] = {}
        self.db_first: dict[int, float] = {}
        self.db_last: dict[int, float] = {}
        self.engine = None
        if database.startswith("postgresql"):
            from sqlalchemy import create_engine
            from sqlalchemy.engine import make_url

            self.db_name = make_url(database).database
            self.engine = create_engine(database, pool_size=1)

    def _poll_db(self) -> None:
        if self.engine is None:
            return
        from sqlalchemy import text

        with self.engine.connect() as conn:
            pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> "
                                     "pg_backend_pid() AND backend_type = 'client backend'"  # not autovacuum
                                     " AND (CAST(:a AS text) IS NULL OR application_name = :a)"),
                                {"d": self.db_name, "a": self.application}).scalars().all()
        for pid in pids:
            c = _cpu_seconds(pid)
            if c is not None:
                self.db_first.setdefault(pid, c)
                self.db_last[pid] = c

    def start(self) -> None:
        self.before = {p: _cpu_seconds(p) or 0.0 for ps in self.groups.values() for p in ps}
        self.client = time.process_time()
        self._poll_db()

    async def poll(self, until: float) -> None:
        while time.monotonic() < until:
            await asyncio.sleep(1.0)
            self._poll_db()

    def stop(self) -> dict[str, float]:
        self._poll_db()
        used = {name: sum((_cpu_seconds(p) or self.before[p]) - self.before[p] for p in ps)
                for name, ps in self.groups.items()}
        if self.engine is not None:
            used["postgresql"] = sum(self.db_last[p] - self.db_first[p] for p in self.db_last)
            self.engine.dispose()
        used["load client"] = time.process_time() - self.client
        return {k: round(v, 2) for k, v in used.items()}


async def main_async(args: argparse.Namespace) -> dict:
    people = prepare(args.database, args.trainees)
    timings: dict[str, list[float]] = {"open exam page": [], "answer (save + page)": [], "next question": [],
                                       "own reruns (fragments)": []}
    errors: list[str] = []
    sent: dict = {}
    until = time.monotonic() + args.seconds
    rng = random.Random(7)
    meter = CpuMeter(args.database, urlparse(args.url).port or 80, args.pg_application) if args.cpu else None
    if meter:
        meter.start()
    started = time.monotonic()
    tasks = [client(args.url, who, until + rng.uniform(0, 2), random.Random(i), timings, errors, sent)
             for i, who in enumerate(people)]
    if meter:
        tasks.append(meter.poll(until + 2))
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    cpu = meter.stop() if meter else None
    rows = []
    for name, xs in timings.items():
        if xs:
            ms = sorted(x * 1000 for x in xs)
            rows.append({"action": name, "count": len(ms), "p50_ms": round(statistics.median(ms), 1),
                         "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1)})
    lost = check(args.database, people, sent)
    actions = sum(len(v) for k, v in timings.items() if k != "own reruns (fragments)")
    out = {"url": args.url, "trainees": args.trainees, "seconds": round(elapsed, 1), "rows": rows,
           "actions_per_s": round(actions / elapsed, 1), "errors": len(errors), "first_errors": errors[:5],
           "answers_checked": len(sent), "lost_answers": lost}
    if cpu is not None:  # per action: the trainees' clicks (the fragments' own reruns are in the app's share)
        out["cpu_seconds"] = cpu
        out["app_processes"] = len(meter.groups["app"])
        out["cpu_ms_per_action"] = {k: round(1000 * v / max(1, actions), 1) for k, v in cpu.items()}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the app (one process, or nginx), on this machine")
    parser.add_argument("--database", required=True, help="the database the app uses (built by quiz bench)")
    parser.add_argument("--trainees", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cpu", action="store_true", help="measure the CPU time used per action (Linux)")
    parser.add_argument("--pg-application", metavar="NAME",
                        help="with --cpu: count only PostgreSQL connections named NAME (start the app with "
                             "DATABASE_URL=...?application_name=NAME), not others using the same database")
    args = parser.parse_args()
    if urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the load test runs against this machine only (loopback)")
    if not 1 <= args.trainees <= MAX_TRAINEES or not 1 <= args.seconds <= 900:
        parser.error(f"--trainees 1..{MAX_TRAINEES}, --seconds 1..900")
    result = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['trainees']} trainees for {result['seconds']} s against {result['url']}: "
              f"{result['actions_per_s']} actions/s, {result['errors']} errors, "
              f"{result['lost_answers']} of {result['answers_checked']} answers lost")
        for r in result["rows"]:
            print(f"  {r['action']:<22} n={r['count']:<6} p50 {r['p50_ms']:>8.1f} ms   p95 {r['p95_ms']:>8.1f} ms")
        if "cpu_ms_per_action" in result:
            print("  CPU ms per action: " + ", ".join(f"{k} {v}" for k, v in result["cpu_ms_per_action"].items()))
        for e in result["first_errors"]:
            print("  error:", e)
    return 0 if not result["errors"] and not result["lost_answers"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
