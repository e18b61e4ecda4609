"""nbval's kernels from the kernel fork server: `pytest --nbval -p integration_lab.matrix.nbval_forks outputs`.

nbval starts every notebook's kernel the usual way: a new Python, ipykernel's imports, then the notebook's own
first cell imports pandas, matplotlib, fakeredis, stripe and the lab (about half of nbval's time over
outputs/). With this plugin a notebook pinned to the lab's kernel gets a kernel forked from the fork server
the matrix uses (forkserver.py): still a fresh process with nothing executed before its first cell, so nbval
compares what it compared before; the imports are paid once per pytest run. `make run` writes the golden
outputs with the same forked kernels.

- One server per pytest run: xdist's controller (or pytest alone) starts it and hands its address to each
  worker; each kernel still gets the requesting worker's environment (REDIS_URL too), working directory and
  stderr (nbval sends it to devnull).
- nbval's module `nbval.kernel` builds its `KernelManager(...)` by that name; the plugin points the name at
  `ForkedKernelManager` for the run and puts it back at the end. Another kernel spec starts as usual. A
  kernel that dies before its first reply (it ran nothing) is started once more.
- Under `coverage run` (its `patch = subprocess, fork`), the server and every kernel measure themselves;
  nbval stops its kernels with SIGKILL, which loses a process's data, so a forked kernel is sent SIGTERM
  first (coverage's `sigterm = true` saves on it), then killed if it is still there.
- Without a fork server (not Linux, or it did not start) it says so once and kernels start the usual way.
- nbval reads notebooks with nbformat, which imports jsonschema, which imports rfc3987_syntax (when installed)
  only to check "iri" formats, and that module builds a grammar when imported: over a second in every pytest
  process. No notebook schema uses the format; as the matrix's process (__main__.py), a pytest run with this
  plugin goes without it (`-p` loads the plugin before nbval's own entry point).
- `--lab-shard i/n` keeps the notebooks of shard i of n only (shard.py): outputs/<area>/<nb>/<set>.ipynb is run
  <area>/<nb>/<set>, so a CI job checks exactly the notebooks its `run --shard i/n` wrote. Other items stay. A
  shard with nothing left exits 0, not pytest's 5 ("no tests collected").
"""

from __future__ import annotations

import asyncio
import sys
import uuid

import pytest
from jupyter_client.manager import KernelManager

from .forkserver import ForkedKernelProvisioner, ForkServer
from .shard import parse_shard, run_name

sys.modules.setdefault("rfc3987_syntax", None)  # see the docstring's last point

KERNEL = "integration-lab"  # the kernel spec every lab notebook pins (execute.KERNEL, without papermill's import)
ADDRESS = "lab_fork_server"  # the server's socket, in each xdist worker's workerinput
_ADDRESS = pytest.StashKey[str | None]()


class ForkedKernelManager(KernelManager):
    """nbval's KernelManager, with the lab's kernel forked by the server at `fork_server`."""

    fork_server: str | None = None

    async def _async_pre_start_kernel(self, **kw):
        if self.fork_server and self.kernel_name == KERNEL and self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkedKernelProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                       parent=self)
            self.provisioner.address = self.fork_server
        return await super()._async_pre_start_kernel(**kw)

    async def _async_wait(self, pollinterval: float = 0.005) -> None:
        # jupyter_client looks every 0.1 s whether a stopped kernel is gone; a forked one is gone within
        # milliseconds, and nbval waits for each of its kernels once (as LabKernelManager does for the matrix)
        await super()._async_wait(pollinterval)

    async def _async_kill_kernel(self, restart: bool = False) -> None:
        if _measured() and isinstance(self.provisioner, ForkedKernelProvisioner) and self.has_kernel:
            await self.provisioner.terminate(restart=restart)  # coverage writes the kernel's data, then it exits
            try:
                await asyncio.wait_for(self._async_wait(), timeout=10)
            except asyncio.TimeoutError:
                pass  # killed below
        await super()._async_kill_kernel(restart=restart)


def _measured() -> bool:
    """Is coverage measuring this process (and so, through its patches, the kernels it starts)?"""
    return "coverage" in sys.modules and sys.modules["coverage"].Coverage.current() is not None


def _nbval_on(config) -> bool:
    return bool(config.getoption("nbval", False) or config.getoption("nbval_lax", False))


def pytest_addoption(parser):
    parser.addoption("--lab-shard", type=parse_shard, metavar="I/N", default=None,
                     help="check only the notebooks of shard I of N, the runs `integration_lab run --shard I/N` "
                          "writes; other tests are kept")


def pytest_collection_modifyitems(config, items):
    shard = config.getoption("lab_shard")
    if shard is None:
        return
    kept, others = [], []
    for item in items:  # nbval's items are a notebook's cells, each with the notebook as its path
        outside = item.path.suffix == ".ipynb" and not shard.holds(run_name(item.path))
        (others if outside else kept).append(item)
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    # a shard that drew no notebook has nothing to fail, as for `run --shard`; pytest would exit 5, "no tests".
    # Said by the option, not by a count of what was deselected: under xdist the workers deselect, not this process
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and session.config.getoption("lab_shard"):
        session.exitstatus = pytest.ExitCode.OK


def pytest_configure(config):
    if not _nbval_on(config):
        return
    import nbval.kernel

    if not hasattr(nbval.kernel, "KernelManager"):  # a new nbval that builds its kernels some other way
        raise RuntimeError("nbval.kernel has no KernelManager to replace: update integration_lab.matrix.nbval_forks")
    if hasattr(config, "workerinput"):  # an xdist worker: the controller's server
        address = config.workerinput.get(ADDRESS)
    else:
        server = _start_server()
        address = server.address if server else None
        if server:
            config.add_cleanup(server.__exit__)
    config.stash[_ADDRESS] = address
    ForkedKernelManager.fork_server = address
    usual, start = nbval.kernel.KernelManager, nbval.kernel.start_new_kernel
    nbval.kernel.KernelManager = ForkedKernelManager
    nbval.kernel.start_new_kernel = _once_more_if_it_died(start)
    config.add_cleanup(lambda: (setattr(nbval.kernel, "KernelManager", usual),
                                setattr(nbval.kernel, "start_new_kernel", start)))


def _once_more_if_it_died(start):
    """nbval's start_new_kernel, with one more try for a kernel that died before its first reply.

    Such a kernel ran nothing. Seen once in ~700 forked starts during make test-lib (and by the matrix, with
    kernels started the usual way; execute.py retries a run for it): most likely a port that another process took between
    jupyter_client choosing it and the kernel binding it, with three xdist workers starting servers on free
    ports meanwhile. The new kernel is a fresh process like the first.
    """

    def starting(*args, **kwargs):
        try:
            return start(*args, **kwargs)
        except RuntimeError as failure:
            if not str(failure).startswith("Kernel died before replying to kernel_info"):
                raise
            print(f"note: a kernel died before its first reply ({failure}); starting another", file=sys.stderr)
            return start(*args, **kwargs)

    return starting


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist's controller hands each worker the server's address as it starts it."""
    address = node.config.stash.get(_ADDRESS, None)
    if address:
        node.workerinput[ADDRESS] = address


def _start_server() -> ForkServer | None:
    if sys.platform != "linux":
        return None
    try:
        return ForkServer(KERNEL).__enter__()
    except (RuntimeError, OSError, ValueError) as failure:
        print(f"note: no kernel fork server ({failure}); nbval starts kernels the usual way", file=sys.stderr)
        return None


def pytest_report_header(config):
    if _nbval_on(config):
        address = config.stash.get(_ADDRESS, None)
        return f"nbval kernels: {'forked from ' + address if address else 'started the usual way'}"
    return None
