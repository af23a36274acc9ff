"""The content security policy and the only inline scripts it allows (by their SHA-256), without Starlette or
Streamlit imports so that pages and middleware share the exact same script text."""

from __future__ import annotations

import base64
import hashlib

# Streamlit's own index.html sets this before its bundle loads (verbatim, whitespace included).
STREAMLIT_PRERENDER = "\n      window.prerenderReady = false\n    "

# The login page posts the one-time hand-off form to /auth/complete (quiz.ui.runtime.sign_in).
HANDOFF_SCRIPT = 'document.getElementById("mc-handoff").submit()'

# Every page, as it opens (quiz.ui.browser.page_opened): start at the top, and close the phone menu.
PAGE_OPENED_SCRIPT = """
(function () {
  const main = document.querySelector('[data-testid="stMain"]');
  if (main) main.scrollTo(0, 0);
  window.scrollTo(0, 0);
  if (window.matchMedia('(max-width: 640px)').matches) {
    const open = document.querySelector('[data-testid="stSidebar"][data-collapsed="false"]');
    const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (open && close) close.click();
  }
})();
"""

# The exam's time left (quiz.ui.exam_clock.draw_timer): counts down in the browser from the milliseconds left
# when the server drew it, writes the 10/5/1-minute warnings into the live region beside it, and at zero
# presses the hidden "time is up" button (the server then grades the attempt and opens its result).
TIMER_SCRIPT = """
(function () {
  var script = document.currentScript;
  var box = script && script.parentNode ? script.parentNode.querySelector('[data-mc-left]') : null;
  if (!box) return;
  var value = box.querySelector('.mc-timer-value');
  var end = Date.now() + Number(box.getAttribute('data-mc-left'));
  var fast = Number(box.getAttribute('data-mc-fast'));
  var warnings = JSON.parse(box.getAttribute('data-mc-warn') || '[]');
  var pressed = false;
  function two(n) { return (n < 10 ? '0' : '') + n; }
  function shown(left) {
    if (left > fast) {
      var minutes = Math.ceil(left / 60);
      return minutes + (minutes === 1 ? ' minute' : ' minutes');
    }
    var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    return (h ? h + ':' + two(m) : two(m)) + ':' + two(s);
  }
  function warning(left) {
    var text = '';
    for (var i = warnings.length - 1; i >= 0; i--) {
      if (left > 0 && left <= warnings[i][0]) { text = warnings[i][1]; break; }
    }
    return text;
  }
  var timer = setInterval(tick, 1000);
  function tick() {
    if (!box.isConnected) { clearInterval(timer); return; }
    var ms = end - Date.now();
    var left = Math.max(0, Math.floor(ms / 1000));
    var text = shown(left);
    if (value.textContent !== text) {
      value.textContent = text;
      box.setAttribute('aria-label', 'Time left: ' + text);
    }
    value.style.color = left <= 60 ? '#a1001b' : '#0b3d66';
    var region = document.querySelector('.mc-timer-warning');
    var said = warning(left);
    if (region && region.textContent !== said) region.textContent = said;
    if (ms <= -500 && !pressed) {
      pressed = true;
      var button = document.querySelector('.st-key-exam_time_up button');
      if (button) button.click();
    }
  }
  tick();
})();
"""

INLINE_SCRIPTS = (STREAMLIT_PRERENDER, HANDOFF_SCRIPT, PAGE_OPENED_SCRIPT, TIMER_SCRIPT)


def script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def policy() -> str:
    """Scripts only from the app and the hashed inline scripts above; Streamlit needs inline styles, data:/blob:
    images and fonts, and its websocket ('self'); no framing by anyone; forms post only to the app."""
    scripts = " ".join(script_hash(s) for s in INLINE_SCRIPTS)
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https://fonts.gstatic.com",  # the page icon (a Material symbol)
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' blob: data:",
        "worker-src 'self' blob:",
        "frame-src 'self' blob: data:",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ])
