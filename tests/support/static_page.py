"""The static page (`python -m mnistdemo export-web`) in Chromium: served on loopback, other hosts blocked,
drawn on with the mouse or a finger."""

import functools
import http.server
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from support.browser import ToPage, box_to_page, replay_with_finger, replay_with_mouse


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(folder: Path):
    """Serve `folder` with a plain file server on a free loopback port -> its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def block_other_hosts(context, attempted: list[str]) -> None:
    """Abort every request of `context` that leaves loopback, noting its URL in `attempted`."""
    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()
    context.route("**/*", route)


def _to_page(page) -> ToPage:
    """Canvas pixels -> page coordinates of #sketch (its CSS size may differ from its 280 px)."""
    return box_to_page(page.locator("#sketch"))


def draw_with_mouse(page, strokes) -> None:
    """Replay strokes (canvas pixels) with the mouse."""
    replay_with_mouse(page, _to_page(page), strokes)


def draw_with_finger(page, strokes) -> None:
    """Replay strokes (canvas pixels) with one finger a stroke."""
    replay_with_finger(page, _to_page(page), strokes)


def reading(page, strokes: int) -> str:
    """The text of #reading once it reads a drawing of `strokes` strokes."""
    answer = page.locator(f'#reading.answer[data-strokes="{strokes}"]')
    answer.wait_for(timeout=60_000)
    return answer.inner_text().strip()


def draw_and_read(page, strokes) -> str:
    """Draw with the mouse; the top class the page reads in it."""
    draw_with_mouse(page, strokes)
    return reading(page, len(strokes)).split()[0]


def clear(page) -> None:
    page.locator("#clear").click()
    page.locator('#reading.empty[data-strokes="0"]').wait_for(timeout=60_000)
