"""No command in the guide is wrong: every `$ ` line of a ```console block in README.md, CONTRIBUTING.md and
docs/guide/ is checked, and the short ones are run for real.

- `make <target> [VAR=value]`: the target is in the Makefile, and every variable it is given (as an argument
  or in the environment before it) is read by the Makefile.
- `python -m <module> …`: the lab's own command lines are parsed by their real argparse parser (a usage
  error fails); other modules must be importable. `python <script> …`: every `--option` it uses is in the
  script's `--help`; so for `locust`. `.venv/bin/<tool>`: the tool is installed.
- Each page is then run, command by command, in one bash session of its own, from the repository root:
  the servers it starts in the background (`… serve … &`) are started, on free ports in place of the ones
  written (8081, 12111, 8000), and every command that is not a long job (make, the matrix, load and
  benchmark runs, Locust, package installs) runs as written: curl against those servers, the shell around
  it, `python -m integration_lab catalogue`. Each must exit 0 within its time, each HTTP request a
  curl makes must be answered by a route (not 404 or 405, not refused), and where the page shows what a
  command prints, it must print that: compared without whitespace, `…` standing for anything.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the module's servers run on their embedded fakeredis (REDIS_URL is taken out of the session's environment)
pytestmark = pytest.mark.redis_free
PAGES = sorted([ROOT / "README.md", *((ROOT / "CONTRIBUTING.md"),) * (ROOT / "CONTRIBUTING.md").exists(),
                *(ROOT / "docs" / "guide").rglob("*.md")])
LONG_JOBS = {"make", "sudo", "apt-get", "ssh", "git", "conda", "redis-server", "locust"}  # checked, never run here
SHELL = {"until", "while", "do", "done", "for", "in", "if", "then", "fi", "sleep", "jq", "echo", "export", "cd",
         "seq", "printf", "md5sum", "cut", "date", "[", "return", "kill", "wait", "true", "head", "tail", "{", "}",
         "base64", "tr", "cat", "grep", "test", "read", "local", "set", "hostname"}
STEP_TIMEOUT = 60  # seconds any one command of a page may take (servers starting on a busy machine included)
SERVE_PORTS = re.compile(r"(--port\s+|127\.0\.0\.1:)(\d{4,5})\b")


# ---- reading the pages ------------------------------------------------------------------------------------
@dataclass
class Command:
    page: Path
    line: int
    text: str  # as a shell reads it: continuation lines joined with newlines
    output: list[str] = field(default_factory=list)  # what the page shows it printing

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}: $ {self.text}"


def console_commands(page: Path) -> list[Command]:
    commands, fence = [], None
    lines = page.read_text().splitlines()
    for number, line in enumerate(lines, 1):
        opened = re.match(r"^(`{3,}|~{3,})\s*(\S*)", line)
        if fence is None:
            if opened:
                fence = (opened.group(1), opened.group(2) == "console")
            continue
        if line.strip() == fence[0]:
            fence = None
            continue
        if not fence[1]:
            continue
        if line.startswith("$ "):
            commands.append(Command(page, number, line[2:]))
        elif commands and commands[-1].page == page and (line.startswith("> ") or line == ">") and \
                not commands[-1].output:
            commands[-1].text += "\n" + line[2:]
        elif commands and not commands[-1].output and commands[-1].text.endswith("\\"):
            commands[-1].text += "\n" + line
        elif commands:
            commands[-1].output.append(line)
    for command in commands:
        while command.output and not command.output[-1].strip():
            command.output.pop()
    return commands


def substitutions(text: str) -> tuple[str, list[str]]:
    """The command line with each `$(…)` replaced by one word, and the commands inside them."""
    out, inner, i, quote = [], [], 0, None
    while i < len(text):
        char = text[i]
        if quote:
            quote = None if char == quote else quote
        elif char == "'" or (char == '"' and False):
            quote = char
        elif text.startswith("$(", i):
            depth, j, q = 1, i + 2, None
            while j < len(text) and depth:
                c = text[j]
                if q:
                    q = None if c == q else q
                elif c in "'\"":
                    q = c
                elif c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                j += 1
            inner.append(text[i + 2:j - 1])
            out.append("$SUBSTITUTED")
            i = j
            continue
        out.append(char)
        i += 1
    return "".join(out), inner


def simple_commands(text: str) -> list[list[str]]:
    """The simple commands in a command line (and in its `$(…)`): words split on ; & | ( ) and newlines,
    leading assignments kept, redirections dropped."""
    text, inner = substitutions(text)
    return [*_simple(text), *(words for part in inner for words in simple_commands(part))]


def _simple(text: str) -> list[list[str]]:
    lexer = shlex.shlex(text.replace("\\\n", " "), posix=True, punctuation_chars=";&|()")
    lexer.whitespace = " \t\r"
    lexer.wordchars += "$:{}[]@%+,=^!*"
    lexer.commenters = "#"
    found, current, redirect = [], [], False
    try:
        for token in lexer:
            if redirect:  # the file (or &fd) a redirection names: not a word of the command
                redirect = token == "&"
            elif token in (">", "<"):
                redirect = True
                if current and current[-1].isdigit():
                    current.pop()  # the 2 of 2>…
            elif token == "\n" or (token and set(token) <= set(";&|()")):
                found.append(current)
                current = []
            else:
                current.append(token)
    except ValueError as unparsed:  # unbalanced quotes: the page's command is broken
        raise AssertionError(f"the shell cannot read {text!r}: {unparsed}") from None
    found.append(current)
    return [words for words in found if words]


def program(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """(NAME=value assignments before the command, the command's words)."""
    env = {}
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        name, _, value = words[0].partition("=")
        env[name], words = value, words[1:]
    return env, words


def functions(commands: list[Command]) -> set[str]:
    return {m for c in commands for m in re.findall(r"(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)\(\)\s*\{", c.text)}


# ---- static checks ----------------------------------------------------------------------------------------
@lru_cache
def makefile() -> tuple[set[str], set[str]]:
    text = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, re.M))
    variables = {v for group in re.findall(r"\$[({]([A-Z_][A-Z0-9_]*)[)}]|\bifn?def\s+([A-Z_][A-Z0-9_]*)", text)
                 for v in group if v}
    return targets, variables


def check_make(env: dict[str, str], args: list[str]) -> list[str]:
    targets, variables = makefile()
    problems = []
    for arg in args:
        if "=" in arg:
            env[arg.partition("=")[0]] = arg.partition("=")[2]
        elif arg.startswith("-"):
            problems.append(f"make option {arg}: the guide gives targets and variables only")
        elif arg not in targets:
            problems.append(f"no target {arg!r} in the Makefile")
    problems += [f"the Makefile never reads {name}" for name in env if name not in variables]
    return problems


class Parsed(Exception):
    pass


def check_module(module: str, argv: list[str]) -> list[str]:
    """The lab's command lines through their real parser (argparse's error exits 2 with the usage); another
    module only has to be there."""
    if not module.startswith("integration_lab"):
        return [] if importlib.util.find_spec(module.split(".")[0]) else [f"no module {module}"]
    spec = importlib.util.find_spec(module)
    if spec is None:
        return [f"no module {module}"]
    target = importlib.import_module(module + ".__main__" if spec.submodule_search_locations else module)
    original = argparse.ArgumentParser.parse_args

    def parse_and_stop(self, args=None, namespace=None):
        raise Parsed(original(self, args, namespace))

    errors = io.StringIO()
    argparse.ArgumentParser.parse_args = parse_and_stop
    try:
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            target.main(argv)
    except Parsed:
        return []
    except SystemExit as stopped:
        if stopped.code == 0 and "--help" in argv:
            return []
        return [f"{module} refuses {shlex.join(argv)}: {errors.getvalue().strip().splitlines()[-1:]}"]
    finally:
        argparse.ArgumentParser.parse_args = original
    return [f"{module}.main did not parse its arguments"]


@lru_cache
def help_text(*command: str) -> str:
    done = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    return done.stdout + done.stderr


def check_options(command: tuple[str, ...], args: list[str]) -> list[str]:
    text = help_text(*command)
    return [f"{' '.join(command)} has no option {opt}" for opt in
            {a.split("=")[0] for a in args if re.match(r"^--?[A-Za-z]", a)} if not re.search(
                rf"(^|[\s,\[]){re.escape(opt)}\b", text)]


def static_problems(words: list[str], defined: set[str]) -> list[str]:
    env, words = program(words)
    if not words:
        return []
    name, args = words[0], words[1:]
    if name == "make":
        return check_make(env, args)
    if re.match(r"^(\.venv/bin/)?python3?$", name):
        if args[:1] == ["-m"] and len(args) > 1:
            return check_module(args[1], args[2:])
        if args and args[0].endswith(".py"):
            if not (ROOT / args[0]).is_file():
                return [f"no script {args[0]}"]
            return check_options((sys.executable, str(ROOT / args[0])), args[1:])
        return []
    if name == "locust":
        return check_options((str(Path(sys.executable).parent / "locust"),), args)
    if name.startswith(".venv/bin/"):
        return [] if (ROOT / name).exists() else [f"{name} is not installed by make setup"]
    if name in SHELL | LONG_JOBS | defined | {"curl"} or name.startswith("$"):
        return []
    return [f"{name!r}: a command this test does not know; teach it (SHELL or LONG_JOBS) or leave it out"]


def long_job(words: list[str]) -> bool:
    _env, words = program(words)
    if not words:
        return False
    if words[0] in LONG_JOBS:
        return True
    python = re.match(r"^(\.venv/bin/)?python3?$", words[0])
    short = words[1:3] == ["-m", "integration_lab"] and words[3:4] in (["serve"], ["catalogue"])
    return bool(python and not short and "--help" not in words)


# ---- running a page ---------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def matches(shown: list[str], printed: str) -> bool:
    """The page's output against what was printed: whitespace ignored, `…` for anything."""
    pattern = ".*".join(re.escape(part) for part in re.sub(r"\s+", "", "\n".join(shown)).split("…"))
    return re.fullmatch(pattern, re.sub(r"\s+", "", printed), re.S) is not None


class Session:
    """One bash process for a page: variables, functions and background servers last from one command to the
    next, as in the reader's terminal."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        (tmp / ".curlrc").write_text('write-out = "%{stderr}\\n@@curl %{http_code} %{method} %{url_effective}\\n"\n')
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CURL_HOME")}
        env.update(CURL_HOME=str(tmp), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(["bash", "--noprofile", "--norc"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=ROOT, env=env, start_new_session=True)
        self.count = 0

    def run(self, text: str, timeout: float) -> tuple[int, str, list[str]]:
        """(exit status, stdout, curl's requests as 'code METHOD url') of one command line."""
        self.count += 1
        end = f"@@end {self.count}"
        script = f"{text}\n__status=$?; printf '\\n{end} %s\\n' $__status; printf '\\n{end}\\n' >&2\n"
        self.proc.stdin.write(script.encode())
        self.proc.stdin.flush()
        out, err = self._until(end, timeout)
        status = int(re.search(rf"{end} (\d+)", out).group(1))
        printed = out[:out.rindex(end)]
        requests = re.findall(r"^@@curl (.+)$", err, re.M)
        return status, printed, requests

    def _until(self, end: str, timeout: float) -> tuple[str, str]:
        buffers = {self.proc.stdout.fileno(): b"", self.proc.stderr.fileno(): b""}
        deadline = time.monotonic() + timeout
        while not all(end.encode() in b for b in buffers.values()):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise TimeoutError(f"no end within {timeout:g} s; printed so far: "
                                   f"{buffers[self.proc.stdout.fileno()][-2000:].decode(errors='replace')!r}")
            ready, _, _ = select.select(list(buffers), [], [], min(left, 1))
            for fd in ready:
                buffers[fd] += os.read(fd, 65536)
        return (buffers[self.proc.stdout.fileno()].decode(errors="replace"),
                buffers[self.proc.stderr.fileno()].decode(errors="replace"))

    def close(self) -> None:
        """Stop the page's background servers (its own jobs, by their pids), then the shell."""
        with contextlib.suppress(Exception):
            self.proc.stdin.write(b"for p in $(jobs -p); do kill $p; done; wait\nexit 0\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=20)
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # the session we started, and only it
            self.proc.wait(timeout=10)


def run_page(page: Path, tmp: Path) -> list[str]:
    commands = console_commands(page)
    ports = {p: str(free_port()) for c in commands for _, p in SERVE_PORTS.findall(c.text)}

    def local(text: str) -> str:
        return SERVE_PORTS.sub(lambda m: m.group(1) + ports.get(m.group(2), m.group(2)), text)

    problems = []
    session = Session(tmp)
    try:
        for command in commands:
            words = simple_commands(command.text)
            if any(long_job(w) for w in words):
                continue
            text = local(command.text)
            if text.rstrip().endswith("&"):  # a server in the background: its lines go to a log, not the page
                text = text.rstrip()[:-1] + f" >>{tmp / 'servers.log'} 2>&1 &"
            try:
                status, printed, requests = session.run(text, STEP_TIMEOUT)
            except TimeoutError as late:
                log = (tmp / "servers.log").read_text()[-3000:] if (tmp / "servers.log").exists() else ""
                problems.append(f"{command}\n    {late}\n    servers' log: {log}")
                break
            if status != 0:
                problems.append(f"{command}\n    exited {status}; printed: {printed[-800:]!r}")
            last: dict[str, str] = {}
            for request in requests:
                code, _, target = request.partition(" ")
                last[target] = code
            for target, code in last.items():
                if code in ("000", "404", "405"):
                    problems.append(f"{command}\n    {target}: HTTP {code} (no server, or no such route)")
            if "curl " in command.text and not requests and not functions([command]):
                problems.append(f"{command}\n    made no HTTP request")
            if command.output and not matches([local(line) for line in command.output], printed):
                problems.append(f"{command}\n    the page shows:\n      " + "\n      ".join(command.output)
                                + f"\n    it printed:\n      {printed.strip()[:3000]}")
    finally:
        session.close()
    return problems


# ---- the tests --------------------------------------------------------------------------------------------
def test_the_pages_have_console_blocks_to_check():
    counted = {page.relative_to(ROOT).as_posix(): len(console_commands(page)) for page in PAGES}
    assert counted["README.md"] >= 5, counted
    assert sum(counted.values()) > 50, counted


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_command_is_one_the_lab_accepts(page):
    commands = console_commands(page)
    defined = functions(commands)
    problems = [f"{command}\n    {problem}" for command in commands for words in simple_commands(command.text)
                for problem in static_problems(words, defined)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_page_runs_as_written(page, tmp_path):
    problems = run_page(page, tmp_path)
    assert not problems, "\n\n".join(problems)
