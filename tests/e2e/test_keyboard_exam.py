"""The whole exam with the keyboard alone (Tab, Shift+Tab, Space, Enter, arrow keys; no mouse): start it,
answer one question of each type, flag one, jump back through the question map, submit in the dialog. Focus
is visible on each control reached, and the timer has an accessible name. Desktop screenshots (1366 x 900) of
home, the exam and the result go to tests/e2e/artifacts/."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import expect

from quiz.domain.bank import Bank
from tests.e2e.conftest import wait_idle
from tests.e2e.trainee_setup import DESKTOP, every_type_bank, prepare, shot, sign_in

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {};
  let labelText = '';
  if (e.labels && e.labels.length) labelText = e.labels[0].innerText.trim();
  else if (e.closest('label')) labelText = e.closest('label').innerText.trim();
  const cs = getComputedStyle(e);
  const ring = e.closest('label') ? getComputedStyle(e.closest('label')) : cs;
  return {tag: e.tagName, type: e.type || '', role: e.getAttribute('role') || '',
          label: e.getAttribute('aria-label') || '', text: (e.innerText || '').trim(), labelText,
          outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
          ringOutline: ring.outlineStyle !== 'none' && parseFloat(ring.outlineWidth) >= 2,
          shadow: cs.boxShadow !== 'none'};
}"""


def focused(page) -> dict:  # noqa: ANN001
    return page.evaluate(FOCUSED)


def tab_to(page, match: Callable[[dict], bool], what: str, *, back: bool = False, limit: int = 150) -> dict:  # noqa: ANN001
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        f = focused(page)
        if f and match(f):
            return f
    raise AssertionError(f"Tab never reached {what}; last focus: {focused(page)}")


def button(name: str) -> Callable[[dict], bool]:
    return lambda f: f.get("tag") == "BUTTON" and (f.get("text") == name or f.get("label") == name)


def press(page, key: str) -> None:  # noqa: ANN001
    page.keyboard.press(key)
    wait_idle(page)


def open_list(page, combo, deadline: float = 20) -> None:  # noqa: ANN001
    """ArrowDown on a focused select box opens its list with the first option focused, for Enter to pick.
    Enter is pressed only once the list is open with an option focused: after a fixed 150 ms pause it was at
    times pressed too early and lost, leaving the order a step short. And the select box drawn by the run
    that has just ended can take an ArrowDown in the first moments after it appears and not open (seen on the
    last step: focused, list closed 15 s later), so while the list stays closed ArrowDown is pressed again (a
    late-opening list at most moves its focus to the next option; any step will do here)."""
    end = time.monotonic() + deadline
    while True:
        page.keyboard.press("ArrowDown")
        try:
            expect(combo).to_have_attribute("aria-expanded", "true", timeout=2_000)
            break
        except AssertionError:
            if time.monotonic() > end:
                raise
    expect(combo).to_have_attribute("aria-activedescendant", re.compile(r"option"), timeout=15_000)


def small_bank() -> Bank:
    """One single-answer item and one of each other type, all in 'hygiene' (a five-question exam)."""
    return every_type_bank(per_topic=1)


def question_type(page) -> str:  # noqa: ANN001
    hint = page.get_by_text(re.compile(r"^Question \d+ of 5 · ")).inner_text()
    for phrase, kind in (("Choose one answer", "single"), ("True or false", "true_false"),
                         ("Choose every answer", "multiple"), ("Put the steps in order", "ordering"),
                         ("Type a number", "numeric")):
        if phrase in hint:
            return kind
    raise AssertionError(hint)


def answer_with_keys(page, kind: str) -> None:  # noqa: ANN001
    if kind in ("single", "true_false"):
        f = tab_to(page, lambda f: f.get("type") == "radio", "an option")
        assert f["outline"] or f["ringOutline"] or f["shadow"], f  # focus is visible
        press(page, "Space")
        if kind == "single":
            press(page, "ArrowDown")  # arrows move the choice within the group
    elif kind == "multiple":
        tab_to(page, lambda f: f.get("type") == "checkbox" and "Flag" not in f.get("labelText", ""), "a checkbox")
        press(page, "Space")
        page.keyboard.press("Tab")
        press(page, "Space")
    elif kind == "ordering":
        for step in range(1, 4):
            combo = page.get_by_role("combobox", name=f"Step {step}")
            expect(combo).to_be_visible(timeout=15_000)  # drawn by the run that placed the step before
            tab_to(page, lambda f, s=step: f.get("label", "").startswith(f"Step {s}")
                   or f.get("labelText", "").startswith(f"Step {s}"), f"the Step {step} list")
            open_list(page, combo)
            press(page, "Enter")
            expect(page.get_by_text(f"Your order ({step} of 3 steps placed)")).to_be_visible(timeout=15_000)
    elif kind == "numeric":
        tab_to(page, lambda f: f.get("type") == "number", "the number box")
        page.keyboard.type("7")
        press(page, "Enter")


def test_the_whole_exam_with_the_keyboard_alone(start_app, browser, tmp_path):
    url, bank_dir = prepare(tmp_path, blueprint={"hygiene": 5}, bank=small_bank())
    server = start_app(database_url=url, QUIZ_BANK_PATH=str(bank_dir))
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_in(page, server.url)  # the form is typed into; signing in is not what this test is about
        expect(page.get_by_role("heading", name="Welcome, Tia")).to_be_visible(timeout=15_000)
        shot(page, "desktop-home")

        # To the exams through the menu, then Start and confirm: all with Tab and Enter.
        tab_to(page, lambda f: f.get("tag") == "A" and "Certification exams" in f.get("text", ""), "the menu link")
        press(page, "Enter")
        expect(page.get_by_role("heading", name="Certification exams")).to_be_visible(timeout=15_000)
        f = tab_to(page, button("Start Foundation certificate"), "Start")
        assert f["outline"] or f["shadow"], f  # a visible focus ring on buttons
        press(page, "Enter")
        tab_to(page, button("Yes, start the exam"), "Yes, start")
        press(page, "Enter")
        timer = page.get_by_role("timer")
        expect(timer).to_be_visible(timeout=15_000)
        assert (timer.get_attribute("aria-label") or "").startswith("Time left")  # the timer has a name
        shot(page, "desktop-exam")

        seen: list[str] = []
        for number in range(1, 6):
            expect(page.get_by_text(re.compile(rf"^Question {number} of 5 · "))).to_be_visible(timeout=15_000)
            wait_idle(page)  # the run that shows this question has started: let it draw the inputs too
            kind = question_type(page)
            seen.append(kind)
            answer_with_keys(page, kind)
            expect(page.get_by_text(f"Answered {number} of 5")).to_be_visible(timeout=15_000)  # saved
            if number == 2:  # flag it
                tab_to(page, lambda f: "Flag this question" in f.get("labelText", ""), "the flag")
                press(page, "Space")
            if number < 5:
                tab_to(page, button("Next →"), "Next")
                press(page, "Enter")
        assert sorted(seen) == ["multiple", "numeric", "ordering", "single", "true_false"]
        expect(page.get_by_text("Answered 5 of 5")).to_be_visible(timeout=15_000)
        expect(page.get_by_role("button", name="2✓⚑")).to_be_visible(timeout=15_000)  # the flag is saved

        # Jump back to question 2 through the map (its button says answered and flagged).
        tab_to(page, button("2✓⚑"), "question 2 in the map", back=True)
        press(page, "Enter")
        expect(page.get_by_text(re.compile(r"^Question 2 of 5 · "))).to_be_visible(timeout=15_000)
        wait_idle(page)

        # Submit, confirming in the dialog.
        tab_to(page, button("Submit the exam…"), "Submit")
        press(page, "Enter")
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible(timeout=15_000)
        expect(dialog.get_by_text("Flagged for another look: question 2.")).to_be_visible(timeout=15_000)
        tab_to(page, button("Yes, submit my answers"), "Yes, submit")
        press(page, "Enter")
        expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=15_000)
        # The score metric (the by-topic table below it has a "Score" column too, drawn a moment later).
        score = page.get_by_test_id("stMetric").filter(has=page.get_by_text("Score", exact=True))
        expect(score).to_contain_text(re.compile(r"\d+(\.\d+)? / 5"), timeout=15_000)
        shot(page, "desktop-results")
        assert "Traceback" not in page.content()
    finally:
        context.close()
