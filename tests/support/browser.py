"""The app's page in Chromium (Playwright): drawing on its canvases with the mouse or a finger, reading its
answers, choosing in its controls and its language.

Strokes are lists of (x, y) points in canvas pixels, as `mnistdemo.strokes.canvas_points` gives them.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from mnistdemo.replay import canvas_points
from mnistdemo.strokes import CANVAS_SIZE
from support.drawings import held_out_twenty

# Debian's Chromium, never a downloaded browser; flags that keep it off the network and quiet.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# A phone: Playwright's context options for a 390x844 touch screen.
SCREEN = {"width": 390, "height": 844}
PHONE = {"viewport": SCREEN, "has_touch": True, "is_mobile": True, "device_scale_factor": 3}

FINGER_REST_MS = 100

ToPage = Callable[[float, float], tuple[float, float]]


# ---- strokes, on any canvas ------------------------------------------------------------------

def replay_with_mouse(page, to_page: ToPage, strokes) -> None:
    """Each stroke as the mouse draws it: move, press, moves, release."""
    for stroke in strokes:
        page.mouse.move(*to_page(*stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*to_page(*point))
        page.mouse.up()


def replay_with_finger(page, to_page: ToPage, strokes) -> None:
    """Each stroke as one finger: touchstart, touchmoves, touchend, as a phone's browser sends them."""
    cdp = page.context.new_cdp_session(page)
    for stroke in strokes:
        points = [dict(zip("xy", to_page(*point))) for point in stroke]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points[:1]})
        for point in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        # The finger rests before it lifts, as a hand's does: a finger lifted at full speed flings, and
        # Chromium then drops the next tap (a Clear pressed at once did nothing).
        page.wait_for_timeout(FINGER_REST_MS)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": points[-1:]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


@dataclass(frozen=True)
class Reading:
    """One drawing and what the page read in it."""

    label: int  # the digit drawn
    answer: str  # the page's reading
    strokes: list  # as drawn, in canvas pixels


def read_held_out_twenty(page, draw_and_read: Callable[[object, list], str],
                         clear: Callable[[object], None]) -> list[Reading]:
    """Draw `drawings.held_out_twenty()` one after another, clearing between them; what the page read in each."""
    readings = []
    for i, (digit, placement) in enumerate(held_out_twenty()):
        if i:
            clear(page)
        strokes = canvas_points(digit, **placement)
        readings.append(Reading(digit.label, draw_and_read(page, strokes), strokes))
    return readings


def misread(readings: list[Reading]) -> list[tuple[int, str]]:
    """(drawn, read) of the drawings read wrong."""
    return [(r.label, r.answer) for r in readings if r.answer != str(r.label)]


# ---- the app's canvases -----------------------------------------------------------------------

def canvas_to_page(page, sketch: str = "#sketch", size: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)) -> ToPage:
    """A function mapping canvas pixels (0..width, 0..height) to page coordinates of one of the app's canvases."""
    return box_to_page(page.locator(f"{sketch} canvas").first, size)


def box_to_page(canvas, size: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)) -> ToPage:
    """Canvas pixels -> page coordinates of a canvas element shown scaled to its box (scrolled into view first)."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    width, height = size
    return lambda x, y: (box["x"] + x * box["width"] / width, box["y"] + y * box["height"] / height)


def draw(page, strokes, sketch: str = "#sketch", size: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)) -> None:
    """Replay strokes (canvas pixels) with the mouse on a canvas."""
    replay_with_mouse(page, canvas_to_page(page, sketch, size), strokes)


def swipe(page, strokes, sketch: str = "#sketch", size: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)) -> None:
    """Replay strokes (canvas pixels) with a finger on a canvas, one touch a stroke."""
    replay_with_finger(page, canvas_to_page(page, sketch, size), strokes)


def reading(page) -> str:
    """The Draw tab Label's top class once the last stroke's prediction has arrived."""
    verdict = page.locator("#verdict")
    verdict.get_by_text(re.compile("Reads|Not sure|Not a digit")).wait_for(timeout=60_000)
    last_change_answered(page)
    return page.locator("#reading [data-testid=label-output-value]").first.inner_text().strip()


def last_change_answered(page, sketch: str = "#sketch") -> None:
    """Wait until the answer on screen is the one to the canvas's last change (each answer echoes its number)."""
    page.wait_for_function("""sketch => Number(document.querySelector(sketch + '-changes input').value)
                                        === (document.querySelector(sketch + ' canvas').pad.sent || 0)""",
                           arg=sketch, timeout=60_000)


def draw_and_read(page, strokes) -> str:
    """Draw on the Draw tab's canvas with the mouse; its reading."""
    draw(page, strokes)
    return reading(page)


def clear(page) -> None:
    """Clear the Draw tab's canvas and wait for its empty-canvas hint."""
    page.locator("#sketch-clear").click()
    page.locator("#verdict").get_by_text("Draw a digit").wait_for(timeout=60_000)


def number_reading(page) -> str:
    """The Whole numbers tab's number once the last stroke's reading has arrived (unchanged for 4 s), no "?"."""
    heading = page.locator("#number-reading h1")
    heading.wait_for(timeout=60_000)
    seen, since = None, 0
    for _ in range(240):  # the app may be slow on a busy machine: a stroke's reading can lag
        page.wait_for_timeout(500)
        now = (heading.inner_text().strip(), page.locator("#number-digits img").count())
        since = since + 1 if now == seen else 0
        seen = now
        if since >= 8:
            break
    return seen[0].replace("?", "")


# ---- controls --------------------------------------------------------------------------------

def set_slider(page, elem_id: str, value: int) -> None:
    """Type a value into a slider's number box."""
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def choose(page, elem_id: str, option: str | re.Pattern, exact: bool = False) -> None:
    """Open a dropdown and click one of its options."""
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=exact).click()


def choose_language(page, language: str) -> None:
    """Switch the page's language under Settings (footer) → Language, then close the Settings panel."""
    page.locator("footer button.settings").click()
    page.get_by_label("Language").click()
    page.get_by_role("option", name=language).click()
    page.locator(".banner-wrap button").first.click()  # the Settings panel's close button
