"""Export downloads through a route that checks the session: ``/download/export/{kind}.{fmt}?cohort=ID``, and
the academy overview's table, ``/download/academy.csv``.

(Streamlit's ``st.download_button`` serves files from ``/media/...`` to anyone holding the address; these
routes ask the services, as the signed-in trainer, every time.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from quiz.services import academy, exports
from quiz.services.errors import NotFound, PermissionDenied, ServiceError
from quiz.services.permissions import Actor
from quiz.web import auth

KINDS = exports.KINDS  # results, responses, gradebook: (rows, columns)
MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export_url(kind: str, fmt: str, cohort_id: int | None) -> str:
    return f"/download/export/{kind}.{fmt}" + (f"?cohort={cohort_id}" if cohort_id else "")


def build_export(actor: Actor, kind: str, fmt: str, cohort_id: int | None) -> bytes | Iterator[bytes]:
    """The file, built by the export service as ``actor`` (which checks the role and the cohort now): an Excel
    file's bytes, or a CSV as a stream of chunks read from the database as they are sent (flat memory)."""
    if fmt == "csv":
        return _csv_stream(actor, kind, cohort_id)
    fetch, columns = KINDS[kind]
    with auth.platform().transaction() as session:
        rows = list(fetch(session, actor, cohort_id))
    return exports.to_xlsx_bytes(rows, columns, sheet=kind)


def _csv_stream(actor: Actor, kind: str, cohort_id: int | None) -> Iterator[bytes]:
    return _held_stream(lambda session: exports.csv_stream(session, actor, kind, cohort_id))


def _held_stream(make: Callable[[Session], Iterator[bytes]]) -> Iterator[bytes]:
    """Chunks of a CSV in one transaction held while they are sent; the first chunk is made here, so a
    refusal (PermissionDenied, NotFound) is raised before the response starts."""
    transaction = auth.platform().transaction()
    session = transaction.__enter__()
    try:
        chunks = make(session)
        first = next(chunks)
    except BaseException as err:
        transaction.__exit__(type(err), err, err.__traceback__)
        raise

    def send() -> Iterator[bytes]:
        try:
            yield first
            yield from chunks
        finally:
            transaction.__exit__(None, None, None)

    return send()


async def export(request: Request) -> Response:
    kind, fmt = request.path_params["kind"], request.path_params["fmt"]
    if kind not in KINDS or fmt not in MIME:
        return PlainTextResponse("No such export.", status_code=404)
    actor = await run_in_threadpool(auth.actor_from_request, request)
    if actor is None:
        return PlainTextResponse("Please log in to download exports.", status_code=401)
    if not actor.is_staff:
        return PlainTextResponse("Only trainers can download exports.", status_code=403)
    raw = request.query_params.get("cohort") or ""
    if raw and not (raw.isascii() and raw.isdigit()):  # "²".isdigit(), "١".isdigit() are True too
        return PlainTextResponse("The cohort must be a number.", status_code=400)
    try:
        data = await run_in_threadpool(build_export, actor, kind, fmt, int(raw) if raw else None)
    except PermissionDenied as err:
        return PlainTextResponse(str(err), status_code=403)
    except NotFound as err:
        return PlainTextResponse(str(err), status_code=404)
    except ServiceError as err:
        return PlainTextResponse(str(err), status_code=400)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    where = f"cohort-{raw}" if raw else "all"
    headers = {"Content-Disposition": f'attachment; filename="{kind}-{where}-{stamp}.{fmt}"',
               "Cache-Control": "no-store"}
    if isinstance(data, bytes):
        return Response(data, media_type=MIME[fmt], headers=headers)
    return StreamingResponse(data, media_type=MIME[fmt], headers=headers)


ACADEMY_URL = "/download/academy.csv"


async def academy_csv(request: Request) -> Response:
    """The academy overview's table (every cohort and the totals) as CSV, for staff: administrators get every
    cohort, trainers their own (the service decides, as on the page)."""
    actor = await run_in_threadpool(auth.actor_from_request, request)
    if actor is None:
        return PlainTextResponse("Please log in to download exports.", status_code=401)
    if not actor.is_staff:
        return PlainTextResponse("Only trainers can download exports.", status_code=403)
    try:
        data = await run_in_threadpool(_held_stream, lambda session: academy.csv_stream(session, actor))
    except PermissionDenied as err:
        return PlainTextResponse(str(err), status_code=403)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    headers = {"Content-Disposition": f'attachment; filename="academy-{stamp}.csv"', "Cache-Control": "no-store"}
    return StreamingResponse(data, media_type=MIME["csv"], headers=headers)


routes = [Route("/download/export/{kind}.{fmt}", export, methods=["GET"]),
          Route(ACADEMY_URL, academy_csv, methods=["GET"])]
