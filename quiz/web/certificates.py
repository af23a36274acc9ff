"""Certificate PDFs through a route that checks the session: ``GET /download/certificate/{code}.pdf``.

The holder, a trainer of one of the holder's cohorts, or an administrator gets the PDF; anyone else, signed in
or not, learns nothing about whether the code exists (401 when not signed in, 404 otherwise)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from quiz.services import certificates
from quiz.services.errors import NotFound
from quiz.services.permissions import Actor
from quiz.web import auth


def build_pdf(actor: Actor, code: str, base_url: str) -> tuple[str, bytes]:
    with auth.platform().transaction() as session:
        return certificates.pdf_for(session, actor, code, base_url)


async def certificate_pdf(request: Request) -> Response:
    code = request.path_params["code"]
    actor = await run_in_threadpool(auth.actor_from_request, request)
    if actor is None:
        return PlainTextResponse("Please log in to download a certificate.", status_code=401)
    if len(code) > 64:
        return PlainTextResponse("No certificate you can see has this code.", status_code=404)
    base = str(request.base_url).rstrip("/")  # QUIZ_PUBLIC_URL wins when set (see certificates.document)
    try:
        name, data = await run_in_threadpool(build_pdf, actor, code, base)
    except NotFound as err:
        return PlainTextResponse(str(err), status_code=404)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    })


routes = [Route("/download/certificate/{code}.pdf", certificate_pdf, methods=["GET"])]
