"""The server's processes as Linux's /proc shows them: its children, its training workers, their memory."""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path


def _processes() -> Iterator[tuple[int, int, str]]:
    """(pid, parent pid, state letter) of every process now."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:  # it ended while we looked
            continue
        yield int(entry.name), int(parent), state


def children(pid: int) -> list[int]:
    """Process ids of the live (not zombie) processes whose parent is `pid`."""
    return [child for child, parent, state in _processes() if parent == pid and state != "Z"]


def process_tree(pid: int) -> list[int]:
    """`pid` and every process under it (children, their children, ...)."""
    below: dict[int, list[int]] = {}
    for child, parent, _ in _processes():
        below.setdefault(parent, []).append(child)
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += below.get(tree[-1], [])
    return tree


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def training_children(pid: int | None) -> list[int]:
    """Process ids of the training workers of server `pid` (forked by its fork server, a child of the server)."""
    servers = [child for child in children(pid) if b"forkserver" in _command_line(child)] if pid else []
    return sorted(worker for server in servers for worker in children(server))


def status_mb(pid: int | None, key: str = "VmRSS") -> float:
    """A memory figure of /proc/<pid>/status (VmRSS: resident now, VmHWM: its peak) in MB; nan if unknown."""
    if pid is None:
        return float("nan")
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:  # it ended while we looked
        pass
    return float("nan")


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB of `pid` and every process under it; PSS splits shared pages among their sharers."""
    rss = pss = 0.0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
        except OSError:
            continue
    return rss, pss


class Peaks:
    """While in a `with` block, calls `measure()` every `every` s and keeps each figure's largest value (MB).

    `measure` returns named figures, e.g. {"rss": ..., "pss": ...}; a nan (a process gone) changes nothing."""

    def __init__(self, measure: Callable[[], dict[str, float]], every: float = 0.5):
        self.measure, self.every = measure, every
        self.peaks: dict[str, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(self.every):
            for name, value in self.measure().items():
                self.peaks[name] = max(self.peaks.get(name, 0.0), value)

    def __getitem__(self, name: str) -> float:
        """The largest value of figure `name` so far (0 before it was first measured)."""
        return self.peaks.get(name, 0.0)

    def __enter__(self) -> "Peaks":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
