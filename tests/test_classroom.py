"""bench/classroom.py --draw against the real server: a few students draw real pen digits at once.

Run alone: .venv/bin/python -m pytest -q tests/test_classroom.py (starts the app)
"""

import asyncio
import concurrent.futures
from pathlib import Path

import pytest

from bench.classroom import drawings, number_drawings, parse_args, run_students  # the benchmark under test


def _measure(app_server, argv: list[str], make_drawings):
    """bench/classroom.py's students, with `argv`, drawing `make_drawings(count, seed)` against the app."""
    proc, url = app_server
    args, _ = parse_args(argv)
    # A thread of its own: the browser tests' event loop may be running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        students = run_students(url, args, make_drawings(args.digits, args.seed), proc.pid)
        return thread.submit(asyncio.run, students).result()


@pytest.mark.slow
def test_three_students_drawing_at_once_get_right_answers_and_no_errors(app_server):
    measured = _measure(app_server, ["--draw", "--students", "3", "--seconds", "6", "--think", "0.5", "--digits", "12"],
                        drawings)
    tally = measured.tally
    assert tally.errors == []
    assert tally.sent >= 6 and len(tally.latencies) == tally.sent
    assert tally.finished >= 3 and tally.right >= 0.8 * tally.finished, (tally.right, tally.finished)
    assert measured.server_cpu > 0


@pytest.mark.slow
def test_two_students_writing_numbers_at_once_get_them_read(app_server):
    """--numbers: the Whole numbers tab's canvas, numbers of 2-5 digits written stroke by stroke."""
    tally = _measure(app_server, ["--numbers", "--students", "2", "--seconds", "8", "--think", "0.3", "--digits", "4"],
                     number_drawings).tally
    assert tally.errors == []
    assert tally.finished >= 2 and tally.right >= 0.5 * tally.finished, (tally.right, tally.finished)


def test_the_server_runs_on_uvloop_and_httptools(app_server):
    """uvicorn takes them when they are installed (requirements.txt): 2-3 ms of server CPU a stroke less
    (docs/benchmarks.md)."""
    proc, _ = app_server
    libraries = Path(f"/proc/{proc.pid}/maps").read_text()
    assert "/uvloop/" in libraries and "/httptools/" in libraries


def test_train_goes_to_the_training_benchmark_and_draw_refuses_unknown_arguments():
    args, extra = parse_args(["--train", "--students", "4", "--seeds", "different"])
    assert args.train and args.students == 4 and args.extra == extra == ["--seeds", "different"]
    with pytest.raises(SystemExit):
        parse_args(["--draw", "--seeds", "different"])
