"""Execute runs with papermill, both cores in parallel, and report each as a row of the summary.

Each run's kernel is a fresh process forked from the fork server (forkserver.py) when the matrix starts one:
the imports every run shares are paid once. The notebook is written once, when the run ends (papermill
would rewrite it around every cell), and the kernel is stopped at once when its outputs are in.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import papermill
from jupyter_client.manager import AsyncKernelManager
from papermill.exceptions import PapermillExecutionError
from tqdm import tqdm

from .discover import Run
from .forkserver import ForkedKernelProvisioner, ForkServer
from .normalize import normalize_file

KERNEL = "integration-lab"
# Runs at a time: one more than the cores (two at most, as the CI machines have), so a core never idles
# while a run waits on its kernel's replies or on the fork server.
JOBS = min(os.cpu_count() or 1, 2) + 1


class LabKernelManager(AsyncKernelManager):
    """The kernel manager of a headless run: an encrypted connection, and a shutdown that never interrupts.

    - The kernel's sockets are encrypted with CurveZMQ keys the manager provisions (the kernel's spec lists
      `curve`), so the kernel has no reason to warn "Kernel is running over TCP without encryption".
    - jupyter_client's shutdown sends SIGINT before the shutdown request. papermill ends a run by asking
      for kernel_info and shuts down as soon as the reply arrives, while the kernel is still closing that
      request; a SIGINT landing there makes a successful run print "KeyboardInterrupt caught in kernel".
      A run's kernel has no cell left to stop, and the shutdown request goes over the control channel,
      which a busy kernel answers too (a stuck one is still terminated, then killed), so the shutdown here
      only asks. Interrupting a kernel on purpose (`interrupt_kernel`) is unchanged.
    """

    fork_server: str | None = None  # the fork server's address, in a matrix worker; else a kernel starts as usual

    def __init__(self, **kwargs):
        kwargs.setdefault("transport_encryption", "auto")  # jupyter_client's default is "disabled"
        super().__init__(**kwargs)

    async def _async_pre_start_kernel(self, **kw):
        if self.fork_server and self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkedKernelProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                       parent=self)
            self.provisioner.address = self.fork_server
        return await super()._async_pre_start_kernel(**kw)

    async def _async_wait(self, pollinterval: float = 0.005) -> None:
        # jupyter_client looks every 0.1 s whether a killed kernel is gone; it is gone within milliseconds,
        # and every run waits for it once
        await super()._async_wait(pollinterval)

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:  # set by shutdown_kernel before it interrupts
            return
        await super()._async_interrupt_kernel()


@dataclass(frozen=True)
class Result:
    run: Run
    ok: bool
    seconds: float
    failure: str = ""
    retried: str = ""  # why a run that passed needed a second try (its machinery failed the first), or ''


def _first_line(text: str, width: int = 70) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"




def _papermill(run: Run, root: Path) -> None:
    papermill.execute_notebook(
        # relative paths: papermill records them in the output, which must not depend on the clone's place
        str(run.notebook), str(run.output), parameters=run.parameters, kernel_name=KERNEL,
        cwd=str(root), progress_bar=False, log_output=False, kernel_manager_class=LabKernelManager,
        request_save_on_cell_execute=False, shutdown_kernel="immediate",
    )


def execute(run: Run, root: Path) -> Result:
    """One notebook with one parameter set; never raises, so one failure cannot hide the others."""
    started = time.perf_counter()
    output = root / run.output
    output.parent.mkdir(parents=True, exist_ok=True)
    failure, retried = "", ""
    for attempt in (1, 2):
        try:
            _papermill(run, root)
            failure = ""
        except PapermillExecutionError as exc:
            # exec_count is the [N] beside the cell in the output notebook; the source line says which cell
            failure = f"cell {exc.exec_count} `{_first_line(exc.source)}`: {exc.ename}: {_first_line(exc.evalue, 120)}"
            break  # a cell failed: the notebook's own verdict, never retried
        except Exception as exc:  # the kernel died or never answered, a pipe to it broke, the file is unreadable
            # not the notebook's verdict but its machinery's: one more try, said in the summary. Seen: a kernel
            # that died before its first reply (~1 in 600 starts) and a BrokenPipeError in CI (1 in ~1700 runs)
            failure = f"{type(exc).__name__}: {_first_line(str(exc), 160)}"
            retried = retried or failure
            if attempt == 2:
                failure += "\n" + "".join(traceback.format_exception(exc)[-6:])  # where, for the next one to look
            continue
        break
    if output.exists():
        normalize_file(output)
    return Result(run, not failure, time.perf_counter() - started, failure, retried if not failure else "")


def _use_fork_server(address: str | None) -> None:
    LabKernelManager.fork_server = address


def execute_all(runs: list[Run], root: Path, jobs: int | None = None, fork: bool = True) -> list[Result]:
    jobs = jobs or JOBS
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(_fork_server()) if fork and sys.platform == "linux" else None
        return _execute_all(runs, root, jobs, server.address if server else None)


@contextlib.contextmanager
def _fork_server():
    """The fork server, or None (said once) when it cannot start: the runs are the same, only slower."""
    try:
        server = ForkServer(KERNEL).__enter__()
    except (RuntimeError, OSError, ValueError) as failure:
        print(f"note: no kernel fork server ({failure}); kernels start the usual way", file=sys.stderr)
        yield None
        return
    try:
        yield server
    finally:
        server.__exit__()


def _execute_all(runs: list[Run], root: Path, jobs: int, fork_server: str | None) -> list[Result]:
    results = []
    with ProcessPoolExecutor(max_workers=jobs, initializer=_use_fork_server, initargs=(fork_server,)) as pool:
        futures = [pool.submit(execute, run, root) for run in runs]
        with tqdm(total=len(futures), desc="scenarios", unit="run") as bar:
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                bar.set_postfix_str(("ok " if result.ok else "FAILED ") + result.run.name)
                bar.update()
    order = {run: i for i, run in enumerate(runs)}
    return sorted(results, key=lambda r: order[r.run])
