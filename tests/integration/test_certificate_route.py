"""``GET /download/certificate/{code}.pdf``: the PDF for its holder, their trainer and admins; nothing for others."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pypdf
import pytest
from starlette.applications import Starlette

from quiz.web import auth
from quiz.web import certificates as certificate_routes
from tests.asgi import call_asgi
from tests.conftest import make_user
from tests.integration.attempt_helpers import load_bank, make_cohort, make_exam
from tests.integration.test_certificates import sit


@dataclass
class Reply:
    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode()


@dataclass
class Client:
    """Calls the ASGI app directly, as https://meso.example.com (see tests/asgi.py)."""

    app: Starlette
    who: dict = field(default_factory=lambda: {"actor": None})

    def get(self, path: str) -> Reply:
        return Reply(*call_asgi(self.app, path))


@pytest.fixture
def client(platform, monkeypatch):
    load_bank(platform)
    c = Client(Starlette(routes=certificate_routes.routes))
    monkeypatch.setattr(auth, "platform", lambda: platform)
    monkeypatch.setattr(auth, "actor_from_request", lambda request: c.who["actor"])
    monkeypatch.delenv("QUIZ_PUBLIC_URL", raising=False)
    return c


def test_the_holder_their_trainer_and_an_admin_download_the_pdf(client, platform, trainee, trainer, admin):
    make_cohort(platform, trainer.id, [trainee.id])
    code = sit(platform, trainee, make_exam(platform), right=6).certificate_code
    for who in (trainee, trainer, admin):
        client.who["actor"] = who
        r = client.get(f"/download/certificate/{code}.pdf")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert f'filename="certificate-{code}.pdf"' in r.headers["content-disposition"]
        assert r.headers["cache-control"] == "no-store"
        text = pypdf.PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
        assert code in text and f"https://meso.example.com/verify?code={code}" in text


def test_others_learn_nothing(client, platform, trainee):
    code = sit(platform, trainee, make_exam(platform), right=6).certificate_code
    r = client.get(f"/download/certificate/{code}.pdf")
    assert r.status_code == 401 and code not in r.text
    client.who["actor"] = make_user(platform, "trainer", "olga@example.com", "Olga Other")
    mine, made_up = client.get(f"/download/certificate/{code}.pdf"), client.get("/download/certificate/MC-X.pdf")
    assert mine.status_code == made_up.status_code == 404 and mine.text == made_up.text
