"""The two big exports - every item shown (millions of rows) and every attempt - written as CSV by the
database itself and streamed: the same bytes as :func:`quiz.services.exports.to_csv_bytes` of the row dicts
(``tests/integration/test_export_csv.py`` compares them), with no Python code run per row.

How. What needs Python is worked out once into small lookup tables: each item's (answer, option order) pairs
described with the letters the trainee saw; names, e-mails, items and exams neutralised against formula
injection; percents rounded as Python rounds them (one row per distinct value). One query then joins them to
the attempts in export order and formats every cell (times to the second in UTC, numbers as Python prints
floats, yes/no).

- PostgreSQL: the lookups are arrays sent with the query (``unnest``), so the query may run in parallel
  workers (TEMP tables would forbid that), and it is streamed with ``COPY (...) TO STDOUT (FORMAT csv)``:
  text cells raw and blank as NULL, so COPY quotes as Python's csv module does; its ``\\n`` line ends become
  ``\\r\\n``.
- SQLite: the lookups are TEMP tables, their text cells quoted in advance by the csv module, and each row comes
  back as one finished line (``printf``), as UTF-8 bytes.

Memory: one chunk of CHUNK rows, plus the lookups (people, exams, items: the size of the bank and the cohorts,
not of the answers), whatever the size of the academy.

Assumptions (true of what the app stores): ``mode`` and ``state`` are plain words; scores below 1e15; SQLite
is UTF-8 and keeps times as SQLAlchemy writes them (``YYYY-MM-DD HH:MM:SS.ffffff``).
"""

from __future__ import annotations

import csv
import io
import select
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice, product
from typing import Any

import psycopg
from psycopg.pq import ExecStatus, TransactionStatus
from sqlalchemy import and_
from sqlalchemy.orm import Session

from quiz.adapters.spreadsheet import neutralise

CHUNK = 2000  # rows fetched, and written to the client, at a time
INTEGER, TEXT, REAL = "INTEGER", "TEXT", "REAL"  # the types of a lookup's columns

Describe = Callable[[int, str, str], tuple[str, str, str] | None]  # (version, answer JSON, order JSON)


class _Backend:
    """One database's SQL for cells, its TEMP tables and how the finished rows come out."""

    name = ""
    ordered_join = in_storage_order = ""

    def __init__(self, session: Session, counter: list[int] | None = None) -> None:
        self.session = session
        self.raw = session.connection().connection.driver_connection
        self.counter = counter if counter is not None else [0]  # rows written so far

    # -- cells -------------------------------------------------------------------------------------------
    def time(self, col: str) -> str:
        raise NotImplementedError

    def number(self, col: str) -> str:
        """A float as Python's csv module writes it (``repr``: 1.0, 0.3333333333333333)."""
        raise NotImplementedError

    def yes_no(self, col: str) -> str:
        raise NotImplementedError

    def text(self, value: str | None) -> str | None:
        """A text cell as stored in a TEMP table: neutralised; NULL when blank."""
        raise NotImplementedError

    # -- lookups and output --------------------------------------------------------------------------------
    def lookup(self, name: str, columns: Sequence[tuple[str, str]], key: Sequence[str],
               rows: Iterable[Sequence[Any]]) -> None:
        """A small table the export joins: ``columns`` (name, INTEGER | TEXT | REAL), unique on ``key``."""
        raise NotImplementedError

    def source(self, name: str, alias: str) -> str:
        """A lookup as written in FROM."""
        raise NotImplementedError

    def rows(self, sql: str) -> Iterator[Any]:
        """The rows of a query that feeds a lookup."""
        raise NotImplementedError

    def lines(self, columns: Sequence[str], query: str) -> Iterator[bytes]:
        """The CSV lines of ``SELECT <columns> <query>``, CHUNK rows per piece."""
        raise NotImplementedError

    def end(self) -> None:
        """Drop what the export made (TEMP tables, settings)."""

    def _execute(self, sql: str) -> None:
        cur = self.raw.cursor()
        try:
            cur.execute(sql)
        finally:
            cur.close()

    def where(self, clauses: list[Any]) -> str:
        """The export's scope (a WHERE clause on ``attempts``) as SQL text for this database."""
        if not clauses:
            return "1 = 1"
        sql = and_(*clauses).compile(dialect=self.session.bind.dialect, compile_kwargs={"literal_binds": True})
        return f"({sql})"


class _SQLite(_Backend):
    name = "sqlite"
    ordered_join = "CROSS JOIN"  # SQLite keeps the tables of a CROSS JOIN in the order written
    in_storage_order = "NOT INDEXED"  # a table read front to back, not through an index

    def __init__(self, session: Session, counter: list[int] | None = None) -> None:
        super().__init__(session, counter)
        self.tables: list[str] = []
        self.raw.create_function("export_float", 1, _float_text, deterministic=True)

    def time(self, col: str) -> str:
        return f"replace(substr({col}, 1, 19), ' ', 'T')"

    def number(self, col: str) -> str:
        return (f"CASE {col} WHEN 1.0 THEN '1.0' WHEN 0.0 THEN '0.0' ELSE "  # the usual scores, fast
                f"CASE WHEN {col} = CAST({col} AS INTEGER) AND abs({col}) < 1e15 "
                f"THEN CAST({col} AS INTEGER) || '.0' ELSE export_float({col}) END END")

    def yes_no(self, col: str) -> str:
        return f"CASE {col} WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END"

    def text(self, value: str | None) -> str | None:
        return _quoted(neutralise(value)) if value else None

    def lookup(self, name: str, columns: Sequence[tuple[str, str]], key: Sequence[str],
               rows: Iterable[Sequence[Any]]) -> None:
        self._execute(f"DROP TABLE IF EXISTS temp.{name}")
        spec = ", ".join(f"{column} {kind}" for column, kind in columns)
        self._execute(f"CREATE TEMP TABLE {name} ({spec}, PRIMARY KEY ({', '.join(key)}))")
        self.tables.append(name)
        source = iter(rows)
        cur = self.raw.cursor()
        try:
            while batch := list(islice(source, 10 * CHUNK)):
                cur.executemany(f"INSERT INTO temp.{name} VALUES ({', '.join('?' * len(columns))})", batch)
        finally:
            cur.close()

    def source(self, name: str, alias: str) -> str:
        return f"temp.{name} AS {alias}"

    def end(self) -> None:
        for name in reversed(self.tables):
            self._execute(f"DROP TABLE IF EXISTS temp.{name}")
        self.tables.clear()

    def rows(self, sql: str) -> Iterator[Any]:
        cur = self.raw.cursor()
        try:
            cur.execute(sql)
            while batch := cur.fetchmany(CHUNK):
                yield from batch
        finally:
            cur.close()

    def lines(self, columns: Sequence[str], query: str) -> Iterator[bytes]:
        fmt = ",".join(["%s"] * len(columns))
        cur = self.raw.cursor()
        try:
            # as UTF-8 bytes: no text object made per line
            cur.execute(f"SELECT CAST(printf('{fmt}', {', '.join(columns)}) AS BLOB) {query}")
            while batch := cur.fetchmany(CHUNK):
                self.counter[0] += len(batch)
                yield b"\r\n".join([r[0] for r in batch]) + b"\r\n"
        finally:
            cur.close()


class _PostgreSQL(_Backend):
    name = "postgresql"
    ordered_join = "JOIN"
    in_storage_order = ""
    ARRAYS = {"INTEGER": "int8", "TEXT": "text", "REAL": "float8"}
    # for this transaction: floats as their shortest exact text (the default since PostgreSQL 12); put back after
    SETTINGS = {"extra_float_digits": "1"}

    def __init__(self, session: Session, counter: list[int] | None = None) -> None:
        super().__init__(session, counter)
        self.params: dict[str, list[Any]] = {}
        self.sources: dict[str, tuple[str, str]] = {}
        self.saved = {name: self.raw.execute(f"SHOW {name}").fetchone()[0] for name in self.SETTINGS}
        self._settings(self.SETTINGS)

    def _settings(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            self.raw.execute("SELECT set_config(%s, %s, true)", (name, value))

    def end(self) -> None:
        if self.raw.info.transaction_status == TransactionStatus.INERROR:
            return  # failed: the rollback to come puts the settings back
        self._settings(self.saved)

    def where(self, clauses: list[Any]) -> str:
        return super().where(clauses).replace("%", "%%")  # the queries carry %(name)s parameters

    def time(self, col: str) -> str:
        return f"to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"

    def number(self, col: str) -> str:
        # float8 prints the shortest text that reads back the same, as repr does, but "1" for 1.0 and "-0"
        return (f"CASE WHEN {col} = 1 THEN '1.0' "
                f"WHEN {col} = 0 THEN CASE WHEN {col}::text = '-0' THEN '-0.0' ELSE '0.0' END "
                f"WHEN {col} = trunc({col}) AND abs({col}) < 1e15 THEN trunc({col})::bigint::text || '.0' "
                f"ELSE {col}::text END")

    def yes_no(self, col: str) -> str:
        return f"CASE WHEN {col} THEN 'yes' WHEN NOT {col} THEN 'no' END"

    def text(self, value: str | None) -> str | None:
        return neutralise(value) if value else None

    def lookup(self, name: str, columns: Sequence[tuple[str, str]], key: Sequence[str],
               rows: Iterable[Sequence[Any]]) -> None:
        values: list[list[Any]] = [[] for _ in columns]
        for row in rows:
            for column, value in zip(values, row, strict=True):
                column.append(value)
        arrays = []
        for (column, kind), column_values in zip(columns, values, strict=True):
            self.params[f"{name}_{column}"] = column_values
            arrays.append(f"%({name}_{column})s::{self.ARRAYS[kind]}[]")
        self.sources[name] = (f"unnest({', '.join(arrays)})", ", ".join(column for column, _ in columns))

    def source(self, name: str, alias: str) -> str:
        arrays, columns = self.sources[name]
        return f"{arrays} AS {alias}({columns})"

    def rows(self, sql: str) -> Iterator[Any]:
        # the lookups' sources are small (trainees, the bank's items, distinct values): fetched at once, and
        # with a plain cursor PostgreSQL may scan in parallel (it never does for a server-side one)
        with self.raw.cursor() as cur:
            yield from cur.execute(sql, self.params).fetchall()

    def lines(self, columns: Sequence[str], query: str) -> Iterator[bytes]:
        with self.raw.cursor() as cur:
            cur.execute("SAVEPOINT export_copy")
            try:
                with cur.copy(f"COPY (SELECT {', '.join(columns)} {query}) TO STDOUT "
                              "WITH (FORMAT csv, ENCODING 'UTF8')", self.params):
                    for rows in self._copied_rows():
                        self.counter[0] += len(rows)
                        yield _crlf(rows)
            except BaseException:
                # stopped early (the client went away): the cancelled COPY must not spoil the transaction
                cur.execute("ROLLBACK TO SAVEPOINT export_copy")
                raise
            cur.execute("RELEASE SAVEPOINT export_copy")


    def _copied_rows(self) -> Iterator[list[Any]]:
        """The rows of the COPY under way in lists of up to CHUNK, read from libpq as they arrive (psycopg's
        ``Copy.read`` costs a few microseconds a row: seconds for millions); psycopg still starts the COPY and
        cancels it if the reader stops early. A list comes early when the server keeps us waiting."""
        pgconn = self.raw.pgconn
        get = pgconn.get_copy_data
        batch: list[Any] = []
        while True:
            size, data = get(1)  # 1: do not block; 0 = no whole row received yet
            if size > 0:
                batch.append(data)
                if len(batch) >= CHUNK:
                    yield batch
                    batch = []
            elif size == 0:
                if batch:
                    yield batch
                    batch = []
                select.select([pgconn.socket], [], [])  # wait for the server, without holding the GIL
                pgconn.consume_input()
            else:  # the end: the COPY's own result follows
                while (result := pgconn.get_result()) is not None:
                    if result.status != ExecStatus.COMMAND_OK:
                        raise psycopg.errors.error_from_result(result, encoding=self.raw.info.encoding)
                if batch:
                    yield batch
                return


def _crlf(rows: list[Any]) -> bytes:
    """COPY's rows (each ending in \\n) with the \\r\\n line ends of Python's csv module."""
    data = b"".join(rows)
    if data.count(b"\n") == len(rows):  # no line break inside a cell
        return data.replace(b"\n", b"\r\n")
    return b"".join(bytes(r[:-1]) + b"\r\n" for r in rows)


def _float_text(value: Any) -> str | None:
    return None if value is None else repr(float(value))


def _quoted(value: Any) -> str:
    """One cell as Python's csv module writes it in a row (quoted when it holds , " or a line break)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow((value, ""))
    return buf.getvalue()[:-3]


def _backend(session: Session, counter: list[int] | None) -> _Backend:
    return (_SQLite if session.bind.dialect.name == "sqlite" else _PostgreSQL)(session, counter)


def header(columns: Sequence[str]) -> bytes:
    """The header line, with the byte-order mark that lets Excel read UTF-8."""
    return (",".join(_quoted(neutralise(c)) for c in columns) + "\r\n").encode("utf-8-sig")


# -- responses -----------------------------------------------------------------------------------------------

def responses_csv(session: Session, clauses: list[Any], columns: Sequence[str],
                  items: Iterable[tuple[int, str, int, str, float]], describe: Describe,
                  counter: list[int] | None = None) -> Iterator[bytes]:
    """The responses export (one row per item shown) as CSV chunks. ``clauses``: the scope, a WHERE on
    ``attempts`` (permissions already checked); ``items``: (version id, question id, version, topic, points) of
    every item version; ``describe(version id, answer JSON, option order JSON)``: (answer, letters, text) as the
    trainee saw them, None for a blank answer; ``counter[0]`` counts the rows written."""
    yield header(columns)
    db = _backend(session, counter)
    try:
        where = db.where(clauses)
        db.lookup("export_people", (("id", INTEGER), ("email", TEXT)), ["id"], (
            (uid, db.text(email)) for uid, email in db.rows(
                f"SELECT id, email FROM users WHERE id IN (SELECT user_id FROM attempts WHERE {where})")))
        db.lookup("export_exams", (("id", INTEGER), ("name", TEXT)), ["id"],
                  ((eid, db.text(name)) for eid, name in db.rows("SELECT id, name FROM exams")))
        db.lookup("export_items", (("id", INTEGER), ("qid", TEXT), ("version", INTEGER), ("topic", TEXT),
                                   ("points", TEXT)), ["id"],
                  ((vid, db.text(qid), version, db.text(topic), repr(float(points)))
                   for vid, qid, version, topic, points in items))
        db.lookup("export_answers", (("vid", INTEGER), ("answer", TEXT), ("ord", TEXT), ("shown", TEXT),
                                     ("letters", TEXT), ("atext", TEXT)), ["vid", "answer", "ord"],
                  _described(db, describe, where if clauses else None))
        cells = [
            "attempts.id", "p.email", "attempts.mode", "e.name", "i.qid", "i.version", "i.topic", "ai.position + 1",
            "d.shown", "d.letters", "d.atext",
            f"CASE WHEN d.vid IS NULL THEN 'no' ELSE {db.yes_no('r.is_correct')} END",  # blank answer: no, 0
            f"CASE WHEN d.vid IS NULL THEN '0.0' ELSE {db.number('r.score')} END",
            f"coalesce({db.number('r.max_score')}, i.points)", db.time("r.saved_at"),
        ]
        # SQLite walks ix_attempts_started_at, then each attempt's items in order; PostgreSQL hashes and sorts.
        # An exam shows every item; a practice or review only those it reached (saved an answer to).
        query = f"""FROM attempts {db.ordered_join} attempt_items ai ON ai.attempt_id = attempts.id
            JOIN {db.source("export_people", "p")} ON p.id = attempts.user_id
            LEFT JOIN {db.source("export_exams", "e")} ON e.id = attempts.exam_id
            LEFT JOIN responses r ON r.attempt_id = ai.attempt_id AND r.question_version_id = ai.question_version_id
            JOIN {db.source("export_items", "i")} ON i.id = ai.question_version_id
            LEFT JOIN {db.source("export_answers", "d")} ON d.vid = ai.question_version_id
                AND d.answer = CAST(r.answer AS TEXT) AND d.ord = CAST(ai.option_order AS TEXT)
            WHERE {where} AND (attempts.mode = 'exam' OR r.id IS NOT NULL)
            ORDER BY attempts.started_at, attempts.id, ai.position"""
        yield from db.lines(cells, query)
    finally:
        db.end()


PAIRS = 20_000  # an item's answers x option orders described without asking which occur together
VALUES = 1_000  # an item with more distinct answers or orders than this: only the pairs that occur


def _described(db: _Backend, describe: Describe, scope: str | None) -> Iterator[tuple]:
    """Every (version, answer, option order) the export can meet, described once (blank answers left out).
    A part of the academy (``scope``, a WHERE on attempts): the pairs its attempts hold, through the attempts'
    indexes. All of it: each item's distinct answers times its distinct option orders - two scans and no join,
    a superset of the pairs that occur (one nobody meets is never joined); an item with too many (long
    ordering items) gets the pairs that occur, from its own rows."""
    if scope is not None:
        for vid, answer, order in db.rows(
                f"SELECT DISTINCT ai.question_version_id, CAST(r.answer AS TEXT), CAST(ai.option_order AS TEXT) "
                f"FROM attempts {db.ordered_join} attempt_items ai ON ai.attempt_id = attempts.id "
                f"{db.ordered_join} responses r ON r.attempt_id = ai.attempt_id "
                f"AND r.question_version_id = ai.question_version_id WHERE {scope} AND r.answer IS NOT NULL"):
            found = describe(vid, answer, order)
            if found is not None:
                yield (vid, answer, order, *map(db.text, found))
        return
    answers = _distinct(db, "responses", "answer", "answer IS NOT NULL")
    orders = _distinct(db, "attempt_items", "option_order", "1 = 1")
    for vid, given in answers.items():
        shown = orders.get(vid, [])
        if given is None or shown is None or len(given) * len(shown) > PAIRS:
            pairs: Iterable[tuple[str, str]] = db.rows(
                "SELECT DISTINCT CAST(r.answer AS TEXT), CAST(ai.option_order AS TEXT) FROM attempt_items ai "
                "JOIN responses r ON r.attempt_id = ai.attempt_id AND r.question_version_id = ai.question_version_id "
                f"WHERE ai.question_version_id = {int(vid)} AND r.answer IS NOT NULL")
        else:
            pairs = product(given, shown)
        for answer, order in pairs:
            found = describe(vid, answer, order)
            if found is not None:
                yield (vid, answer, order, *map(db.text, found))


def _distinct(db: _Backend, table: str, column: str, condition: str) -> dict[int, list[str] | None]:
    """Each item version's distinct values of a JSON column, as text (None: more than VALUES of them)."""
    found: dict[int, list[str] | None] = {}
    for vid, value in db.rows(f"SELECT DISTINCT question_version_id, CAST({column} AS TEXT) "
                              f"FROM {table} {db.in_storage_order} WHERE {condition}"):
        values = found.setdefault(vid, [])
        if values is not None:
            values.append(value)
            if len(values) > VALUES:
                found[vid] = None
    return found


# -- results -------------------------------------------------------------------------------------------------

def results_csv(session: Session, clauses: list[Any], columns: Sequence[str], cohort_names: dict[int, str],
                cohorts_of: dict[int, list[str]], percent: Callable[[float], float],
                counter: list[int] | None = None) -> Iterator[bytes]:
    """The results export (one row per attempt) as CSV chunks. ``cohort_names``: the cohorts in scope;
    ``cohorts_of``: each trainee's cohorts in scope; ``percent``: a fraction as exported (0-100, one decimal);
    ``counter[0]`` counts the rows written."""
    yield header(columns)
    db = _backend(session, counter)
    try:
        where = db.where(clauses)
        db.lookup("export_people", (("id", INTEGER), ("email", TEXT), ("name", TEXT), ("cohorts", TEXT)), ["id"], (
            (uid, db.text(email), db.text(name), db.text("; ".join(cohorts_of.get(uid, []))))
            for uid, email, name in db.rows(
                f"SELECT id, email, name FROM users WHERE id IN (SELECT user_id FROM attempts WHERE {where})")))
        db.lookup("export_exams", (("id", INTEGER), ("name", TEXT), ("cohort", TEXT), ("pass_mark", REAL)), ["id"], (
            (eid, db.text(name), db.text(cohort_names.get(cid)) if cid is not None else None, mark)
            for eid, name, cid, mark in db.rows("SELECT id, name, cohort_id, pass_mark FROM exams")))
        # the attempt's own pass mark (fixed at its start; an Angoff exam's cut score of its items), else the exam's
        if db.name == "sqlite":
            own = ("CASE WHEN json_type(attempts.settings, '$.pass_mark') IS NULL THEN e.pass_mark "
                   "ELSE json_extract(attempts.settings, '$.pass_mark') END")
        else:
            own = ("CASE WHEN attempts.settings -> 'pass_mark' IS NULL THEN e.pass_mark "
                   "ELSE (attempts.settings ->> 'pass_mark')::float8 END")
        mark = f"CASE WHEN attempts.mode = 'exam' THEN {own} END"
        source = f"FROM attempts LEFT JOIN {db.source('export_exams', 'e')} ON e.id = attempts.exam_id WHERE {where}"
        values = {v for (v,) in db.rows(f"SELECT DISTINCT attempts.percent {source}")}
        values |= {v for (v,) in db.rows(f"SELECT DISTINCT {mark} {source}")}
        db.lookup("export_percents", (("v", REAL), ("shown", TEXT)), ["v"],
                  ((v, repr(percent(v))) for v in values if v is not None))
        cells = [
            "attempts.id", "p.email", "p.name", "coalesce(e.cohort, p.cohorts)", "attempts.mode", "e.name",
            "attempts.state", db.time("attempts.started_at"), db.time("attempts.submitted_at"),
            db.number("attempts.score"), db.number("attempts.max_score"), "pct.shown", db.yes_no("attempts.passed"),
            "mark.shown",
        ]
        query = f"""FROM attempts JOIN {db.source("export_people", "p")} ON p.id = attempts.user_id
            LEFT JOIN {db.source("export_exams", "e")} ON e.id = attempts.exam_id
            LEFT JOIN {db.source("export_percents", "pct")} ON pct.v = attempts.percent
            LEFT JOIN {db.source("export_percents", "mark")} ON mark.v = {mark}
            WHERE {where} ORDER BY attempts.started_at, attempts.id"""
        yield from db.lines(cells, query)
    finally:
        db.end()
