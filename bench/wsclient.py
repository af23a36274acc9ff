"""A minimal Streamlit websocket client: what a browser tab does, without the browser (for bench/loadtest.py).

It opens ``/_stcore/stream`` with the session cookie (the app reads who is logged in from it), asks for a
page (``rerun_script`` with the page's url path), collects the elements the run sends (radios: their id and
options), and sets a widget by sending its new value, as the browser does on a click. ``run`` returns when the
server says the script finished. Loopback only."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


@dataclass
class Radio:
    id: str
    label: str
    options: list[str]


@dataclass
class Button:
    id: str
    label: str


@dataclass
class Tab:
    base: str  # http://127.0.0.1:PORT
    cookie: str  # "name=value; name2=value2"
    page: str = ""
    radios: list[Radio] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ws: object = None
    values: dict = field(default_factory=dict)  # widget id -> its last value, sent with every run (as a browser)

    async def open(self) -> None:
        url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=2**26,
                                           additional_headers={"Cookie": self.cookie, "Origin": self.base},
                                           open_timeout=30)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(self, widgets: list | None = None, timeout: float = 60.0) -> float:
        """One script run (a page load, or a click: ``widgets`` = [WidgetState, ...]); seconds it took."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = ""
        cs.page_name = self.page
        on_screen = {r.id for r in self.radios}
        self.values = {k: v for k, v in self.values.items() if k in on_screen}  # what a browser still has
        triggers = []
        for w in widgets or []:
            if w.WhichOneof("value") == "trigger_value":
                triggers.append(w)  # a click: sent once
            else:
                self.values[w.id] = w
        for w in [*self.values.values(), *triggers]:
            cs.widget_states.widgets.append(w)
        self.radios, self.buttons, self.texts = [], [], []
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                which = el.WhichOneof("type")
                if which == "radio":
                    self.radios.append(Radio(el.radio.id, el.radio.label, list(el.radio.options)))
                elif which == "button":
                    self.buttons.append(Button(el.button.id, el.button.label))
                elif which == "markdown":
                    self.texts.append(el.markdown.body)
                elif which in ("alert", "exception"):
                    body = el.alert.body if which == "alert" else el.exception.message
                    self.texts.append(body)
                    if which == "exception" or el.alert.format == 1:  # ERROR
                        self.errors.append(body)
            elif kind == "script_finished":
                return time.perf_counter() - started
