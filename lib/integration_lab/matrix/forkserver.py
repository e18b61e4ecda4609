"""Fresh kernels without the start-up bill: a fork server for the scenario matrix.

Every run needs a kernel of its own (a warm kernel reused across runs would carry execution counts,
warning-once registries, module state and leftover tasks into the next golden output). Starting one the
usual way costs a Python start, ipykernel's imports, then the lab's (pandas, numpy, fakeredis, ...):
more than a second, most of a run. Here one parent process imports all that once and forks a child per
run; the child becomes the kernel (`IPKernelApp` on the connection file jupyter_client wrote), so each run
is still a fresh process, with nothing executed before its first cell.

Some modules look for a running IPython shell when they load. matplotlib.pyplot (hooks the inline backend
into the shell) and tqdm.auto are left to the kernel, where they import as usual. ipywidgets, which every
notebook's Try-it panel imports (a quarter to half a second each run), is preloaded, and the one thing its
import does in a shell, registering its comm targets, is done in the child once the kernel exists, before
it serves the first request. The parent is single-threaded and owns no zmq context: threads and sockets
only start in the child, after the fork.

`ForkedKernelProvisioner` is jupyter_client's LocalProvisioner with the launch replaced by a request to the
server; the matrix turns it on for its own runs, and `make test-notebooks` for nbval's kernels (nbval_forks.py).
JupyterLab, and nbval run without that plugin, start kernels as usual. The request carries the starter's
stdout and stderr (file descriptors passed over the socket), so a kernel writes where Popen would have put it.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import signal
import socket
import subprocess  # nosec B404  # starts this module as a process, from an argument list
import sys
import tempfile
import threading
import time
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner

# Imported once in the parent; what a run's kernel would import anyway.
PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython", "sqlite3",
    "psutil", "pdb", "tornado.queues", "numpy", "pandas", "matplotlib", "matplotlib.figure", "matplotlib.patches",
    # what pyplot imports, short of pyplot itself
    "matplotlib.backend_bases", "matplotlib.backends.backend_agg", "matplotlib.colorbar", "matplotlib.image",
    "matplotlib.style", "matplotlib.widgets", "matplotlib.projections", "matplotlib.dates", "mpl_toolkits.mplot3d",
    "redis", "fakeredis", "httpx", "stripe", "requests", "time_machine", "yaml", "ipywidgets",
)
LAB_PACKAGES = ("runtime", "fakes", "app", "scenarios", "notebook", "load")  # every module in these, but:
LAB_SHELL_AWARE = ("integration_lab.notebook.plots", "integration_lab.notebook.load_plots")  # import pyplot
# Would hook into a shell that does not exist yet in the parent: never preloaded.
SHELL_AWARE = ("matplotlib.pyplot", "tqdm.auto", "matplotlib_inline")
# Environment variables the preloads set, and ipykernel_launcher's path (a kernel's sys.argv[0]); filled by serve().
_SET_BY_IMPORTS: dict[str, str] = {}


def serve(address: str) -> None:
    """The parent: preload, then fork one kernel per request until stdin closes (its starter is gone)."""
    before = dict(os.environ)
    # ipykernel sets this when a kernel starts; the parent's matplotlib must read the same
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in (*PRELOAD, *_lab_modules()):
        importlib.import_module(name)
    # what importing them put in the environment (ipykernel's debugger sets PYDEVD_USE_FRAME_EVAL): a kernel
    # that imported them itself would have it too, whatever environment its run asks for
    _SET_BY_IMPORTS.update((name, value) for name, value in os.environ.items() if before.get(name) != value)
    _SET_BY_IMPORTS["argv0"] = importlib.util.find_spec("ipykernel_launcher").origin
    if any(name in sys.modules for name in SHELL_AWARE):
        raise RuntimeError("a module that hooks into a shell on import was preloaded")
    if threading.active_count() != 1:
        raise RuntimeError("the parent must fork single-threaded")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped as they exit: no zombies
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(address)
        listener.listen(16)
        listener.settimeout(0.5)
        while _starter_alive():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(10)
                request, fds = _read_request(conn)
                try:
                    if request.get("ping"):  # the starter asking whether the preloads are done
                        conn.sendall(b"0\n")
                        continue
                    pid = os.fork()
                    if pid == 0:
                        listener.close()
                        conn.close()
                        _become_kernel(request, fds)  # never returns
                    conn.sendall(f"{pid}\n".encode())
                finally:
                    for fd in fds:
                        os.close(fd)


def _lab_modules() -> list[str]:
    import pkgutil

    names = []
    for package in LAB_PACKAGES:
        module = importlib.import_module(f"integration_lab.{package}")
        names += [info.name for info in pkgutil.walk_packages(module.__path__, f"{module.__name__}.")
                  if info.name not in LAB_SHELL_AWARE]
    return names


def _starter_alive() -> bool:
    return os.getppid() != 1 and not _stdin_closed()


def _stdin_closed() -> bool:
    import select

    readable, _, _ = select.select([sys.stdin], [], [], 0)
    return bool(readable) and not sys.stdin.buffer.read1(1)


def _read_request(conn: socket.socket) -> tuple[dict, list[int]]:
    """A request line, and the descriptors sent with its first bytes (the kernel's stdout and stderr)."""
    data, fds, _, _ = socket.recv_fds(conn, 65536, 2)
    if data and not data.endswith(b"\n"):
        data += _read_line(conn)
    return json.loads(data), fds


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _become_kernel(request: dict, fds: list[int]) -> None:
    """The child: a kernel process as `python -m ipykernel_launcher -f <connection file>` would be."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel's own subprocesses are waited for as usual
        os.setsid()  # its own process group, as jupyter_client gives a kernel, so signals reach only it
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        for target, fd in zip((1, 2), fds):  # the starter's stdout and stderr, or what it gave Popen instead
            os.dup2(fd, target)
            os.close(fd)
        # as ipykernel_launcher does first: `python -m` put the working directory first on sys.path; a kernel
        # goes without it (here it is the server's, not the run's)
        if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
            del sys.path[0]
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        launcher = _SET_BY_IMPORTS.pop("argv0", sys.argv[0])
        for name, value in _SET_BY_IMPORTS.items():
            os.environ.setdefault(name, value)
        # ipykernel reads JPY_PARENT_PID when it is imported, which was in the parent, before this env
        parent = ["--IPKernelApp.parent_handle=" + os.environ["JPY_PARENT_PID"]] if "JPY_PARENT_PID" in os.environ else []
        sys.argv = [launcher, *request["argv"], *parent]
        from ipykernel import kernelapp

        app = kernelapp.IPKernelApp.instance()  # what launch_new_instance does, with the hook between
        app.initialize()
        _as_if_imported_in_the_shell()
        app.start()
        code = 0
    finally:
        os._exit(code)  # never back into the parent's loop; the parent's atexit hooks are not the kernel's


def _as_if_imported_in_the_shell() -> None:
    """What preloaded modules do on import when a shell is running, now that this kernel's shell is."""
    import ipywidgets

    ipywidgets.register_comm_target()  # ipywidgets' import-time hook (_handle_ipython) does just this


class ForkServer:
    """The parent process, started and stopped with the matrix: `with ForkServer(kernel) as server: …`.

    It runs on the kernel spec's interpreter with its flags (`python -Xfrozen_modules=off`), so a forked
    kernel is the process the spec would have started."""

    def __init__(self, kernel_name: str):
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
        self._interpreter = argv[: argv.index("-m")]
        self._dir = tempfile.TemporaryDirectory(prefix="lab-forks-")
        self.address = str(Path(self._dir.name) / "socket")
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> ForkServer:
        # stdout and stderr are the caller's, as a kernel started the usual way would have them
        self._proc = subprocess.Popen(  # nosec B603  # this module, no shell
            [*self._interpreter, "-m", "integration_lab.matrix.forkserver", self.address], stdin=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            try:
                _ask(self.address, {"ping": True})
                return self
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError("the kernel fork server did not start") from None
                time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        if self._proc:
            self._proc.stdin.close()  # the server sees its stdin close and stops accepting
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._dir.cleanup()


def fork_kernel(address: str, argv: list[str], env: dict[str, str], cwd: str, stdout=None, stderr=None) -> int:
    """Ask the server at `address` for a kernel; its pid. `stdout`, `stderr`: as Popen takes them (None: ours)."""
    with contextlib.ExitStack() as opened:
        fds = [_descriptor(stream, default, opened) for stream, default in ((stdout, 1), (stderr, 2))]
        return _ask(address, {"argv": argv, "env": env, "cwd": cwd}, fds)


def _descriptor(stream, default: int, opened: contextlib.ExitStack) -> int:
    if stream is None:
        return default
    if stream == subprocess.DEVNULL:
        return opened.enter_context(open(os.devnull, "wb")).fileno()
    if isinstance(stream, int) and stream >= 0:
        return stream
    if hasattr(stream, "fileno"):
        return stream.fileno()
    raise ValueError(f"a forked kernel cannot take {stream!r} as stdout or stderr")


def _ask(address: str, request: dict, fds: list[int] = ()) -> int:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(30)
        conn.connect(address)
        line = json.dumps(request).encode() + b"\n"
        sent = socket.send_fds(conn, [line], list(fds)) if fds else conn.send(line)
        conn.sendall(line[sent:])
        return int(_read_line(conn))


class ForkedProcess:
    """What LocalProvisioner expects of its Popen, for a process that is not our child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return 0  # gone (the server reaps it at once); its exit code is the server's to know
        return None

    def wait(self) -> int:  # LocalProvisioner calls it once poll() has said the process is gone
        while self.poll() is None:
            time.sleep(0.02)
        return 0

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkedKernelProvisioner(LocalProvisioner):
    """LocalProvisioner (connection file, ports, curve keys, env) with the kernel forked by the server."""

    address: str = ""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        import asyncio

        launcher = cmd.index("ipykernel_launcher")  # the kernel spec's `python … -m ipykernel_launcher -f …`
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = {"JPY_PARENT_PID": str(os.getpid()), **kwargs["env"]}  # as jupyter_client's launcher sets it
        pid = await asyncio.to_thread(fork_kernel, self.address, cmd[launcher + 1:], env, cwd,
                                      kwargs.get("stdout"), kwargs.get("stderr"))
        self.process = ForkedProcess(pid)
        self.pid = self.pgid = pid
        self.cwd = cwd
        return self.connection_info


if __name__ == "__main__":
    serve(sys.argv[1])
