"""A minimal Streamlit websocket client: what a browser tab does, without the browser (for bench/loadtest.py).

It opens ``/_stcore/stream`` with the session cookie (the app reads who is logged in from it), asks for a
page (``rerun_script`` with the page's url path), collects the elements the run sends (radios: their id and
options; buttons; texts), and sets a widget by sending its new value, as the browser does on a click: a
widget drawn inside a fragment reruns that fragment only (the message names it), any other the whole page.
Like a browser it also reruns the fragments the app asked to rerun on their own (``run_every``: an
``auto_rerun`` message) at their interval, one run at a time per tab. ``run`` returns when the server says the
run finished (a run stopped early for a rerun is followed by the rerun). Loopback only."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


@dataclass
class Radio:
    id: str
    label: str
    options: list[str]
    fragment: str = ""


@dataclass
class Button:
    id: str
    label: str
    fragment: str = ""


@dataclass
class Tab:
    base: str  # http://127.0.0.1:PORT
    cookie: str  # "name=value; name2=value2"
    page: str = ""
    ws: object = None
    values: dict = field(default_factory=dict)  # widget id -> its last value, sent with every run (as a browser)
    drawn: dict = field(default_factory=dict)  # fragment id ("" the page) -> (radios, buttons, texts) it drew
    errors: list[str] = field(default_factory=list)
    auto_runs: list[float] = field(default_factory=list)  # seconds each fragment's own rerun took
    last_run: list[str] = field(default_factory=list)  # the fragments the last run ran ([]: the whole page)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _timers: dict = field(default_factory=dict)  # fragment id -> (interval, task)

    @property
    def radios(self) -> list[Radio]:
        return [r for radios, _, _ in self.drawn.values() for r in radios]

    @property
    def buttons(self) -> list[Button]:
        return [b for _, buttons, _ in self.drawn.values() for b in buttons]

    @property
    def texts(self) -> list[str]:
        return [t for _, _, texts in self.drawn.values() for t in texts]

    async def open(self) -> None:
        url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=2**26,
                                           additional_headers={"Cookie": self.cookie, "Origin": self.base},
                                           open_timeout=30)

    async def close(self) -> None:
        for _, task in self._timers.values():
            task.cancel()
        if self.ws is not None:
            await self.ws.close()

    async def run(self, widgets: list | None = None, timeout: float = 60.0) -> float:
        """One run (a page load, or a click: ``widgets`` = [WidgetState, ...]); seconds it took, from the click
        (a run of this tab's own still going first is part of the wait, as in a browser)."""
        started = time.perf_counter()
        async with self._lock:
            fragment = ""
            ids = {w.id for w in widgets or []}
            owners = {x.fragment for x in [*self.radios, *self.buttons] if x.id in ids}
            if len(owners) == 1:
                fragment = owners.pop()
            await self._send(widgets or [], fragment, auto=False, timeout=timeout)
        return time.perf_counter() - started

    async def _send(self, widgets: list, fragment: str, *, auto: bool, timeout: float) -> None:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = ""
        cs.page_name = self.page
        if fragment:
            cs.fragment_id = fragment
            cs.is_auto_rerun = auto
        on_screen = {r.id for r in self.radios}
        self.values = {k: v for k, v in self.values.items() if k in on_screen}  # what a browser still has
        triggers = []
        for w in widgets:
            if w.WhichOneof("value") == "trigger_value":
                triggers.append(w)  # a click: sent once
            else:
                self.values[w.id] = w
        for w in [*self.values.values(), *triggers]:
            cs.widget_states.widgets.append(w)
        await self.ws.send(msg.SerializeToString())
        await self._receive(timeout)

    async def _receive(self, timeout: float) -> None:
        full = False  # a run of the whole page redraws everything; a fragment's run, that fragment's elements
        cleared: set[str] = set()
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":  # every run starts with one; it names the fragments a fragment run runs
                full = not fwd.metadata.run.fragment_ids
                self.last_run = list(fwd.metadata.run.fragment_ids)
                cleared.clear()
                if full:
                    self.drawn.clear()
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                where = fwd.delta.fragment_id
                if not full and where not in cleared:
                    self.drawn[where] = ([], [], [])
                    cleared.add(where)
                radios, buttons, texts = self.drawn.setdefault(where, ([], [], []))
                el = fwd.delta.new_element
                which = el.WhichOneof("type")
                if which == "radio":
                    radios.append(Radio(el.radio.id, el.radio.label, list(el.radio.options), where))
                elif which == "button":
                    buttons.append(Button(el.button.id, el.button.label, where))
                elif which == "markdown":
                    texts.append(el.markdown.body)
                elif which == "heading":
                    texts.append(el.heading.body)
                elif which in ("alert", "exception"):
                    body = el.alert.body if which == "alert" else el.exception.message
                    texts.append(body)
                    if which == "exception" or el.alert.format == 1:  # ERROR
                        self.errors.append(body)
            elif kind == "auto_rerun":
                self._schedule(fwd.auto_rerun.fragment_id, fwd.auto_rerun.interval)
            elif kind == "script_finished" and fwd.script_finished != EARLY_FOR_RERUN:
                return

    @property
    def rerun_every(self) -> dict[str, float]:
        """Fragment id -> the interval at which the app asked this tab to rerun it on its own."""
        return {f: interval for f, (interval, _) in self._timers.items()}

    def _schedule(self, fragment: str, interval: float) -> None:
        """As the browser does: one timer per fragment; the same interval again changes nothing."""
        known = self._timers.get(fragment)
        if known and known[0] == interval:
            return
        if known:
            known[1].cancel()
        self._timers[fragment] = (interval, asyncio.get_running_loop().create_task(self._tick(fragment, interval)))

    async def _tick(self, fragment: str, interval: float) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(interval)
                started = time.perf_counter()
                try:
                    async with self._lock:
                        await self._send([], fragment, auto=True, timeout=60.0)
                except Exception as err:  # noqa: BLE001 - counted as an error of this tab; its timer stops
                    self.errors.append(f"auto rerun: {type(err).__name__}: {err}")
                    return
                self.auto_runs.append(time.perf_counter() - started)
