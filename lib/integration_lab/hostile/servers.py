"""The served processes under test, each with its stderr captured to a file: started, read and stopped.

Tracebacks are read from those files: counted by their "Traceback" lines, and told apart by the final
exception line and the innermost frame inside the lab's code.
"""

from __future__ import annotations

import re
import subprocess  # nosec B404  # launches our own servers and redis-server from argument lists
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..runtime.processes import HOST, free_port, stop_process

_FRAME = re.compile(r'^\s+File "([^"]+)", line (\d+), in (\S+)')


@dataclass
class Process:
    name: str
    url: str
    proc: subprocess.Popen
    log: Path

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_text(self, start: int = 0) -> str:
        with self.log.open("rb") as f:
            f.seek(start)
            return f.read().decode("utf-8", "replace")

    def stop(self) -> None:
        stop_process(self.proc)


def launch(name: str, args: list[str], log_dir: Path, port: int | None = None) -> Process:
    """`python -m integration_lab serve <args> --port N`, stderr to <log_dir>/<name>.log; `ready` waits for it."""
    port = port or free_port()
    log = log_dir / f"{name}.log"
    with log.open("wb") as err:
        command = [sys.executable, "-m", "integration_lab", "serve", *args, "--port", str(port)]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)  # nosec B603  # our own list, no shell
    return Process(name, f"http://{HOST}:{port}", proc, log)


def ready(process: Process, path: str, seconds: float = 60) -> Process:
    """Wait until `path` answers; raise (with the log's tail) if the process exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            raise RuntimeError(f"{process.name} exited: {process.log.read_text()[-2000:]}")
        try:
            httpx.get(process.url + path, timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.stop()
    raise RuntimeError(f"{process.name} did not start")


def count_tracebacks(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("Traceback"))


def signatures(text: str) -> list[str]:
    """One line per traceback: `<exception line> at <file>:<line> in <function>` (innermost lab frame)."""
    found, frame, inside = [], "", False
    for line in text.splitlines():
        if line.startswith("Traceback"):
            inside, frame = True, ""
            continue
        if not inside:
            continue
        match = _FRAME.match(line)
        if match:
            path, number, func = match.groups()
            if "integration_lab" in path:
                frame = f"{path.split('integration_lab/')[-1]}:{number} in {func}"
            continue
        if line.startswith((" ", "\t")) or not line.strip():
            continue
        if line.startswith(("During handling", "The above exception")):
            continue
        message = re.sub(r"\d+", "N", line.strip())[:160]  # one signature whatever the position or size
        found.append(f"{message} at {frame or '(no lab frame)'}")
        inside, frame = False, ""
    return found
