"""The lab stands alone: a clone anywhere runs without files from beside it. This static scan looks for paths
into this machine or above the repository in the tracked text files. conftest.py's audit hook catches reads
outside the repository at run time."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.redis_free

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ["lib", "tests", "notebooks", ".ci", "benchmarks", "docs", "Makefile", "pyproject.toml", "locustfile.py"]

# Built from pieces, so this file can scan itself without matching its own patterns.
WORK, SHARED = "/" + "work/", "shared" + "/specs"
FIXED = [(re.compile(re.escape(WORK)), "a path into this machine's work directory"),
         (re.compile(re.escape(".." + "/shared") + "|" + re.escape(SHARED)),
          "the shared directory beside the repository"),
         (re.compile(r"(?<![\w.])(?:/" + r"home/[\w.-]+|/" + r"Users/[\w.-]+|/" + r"root/|[A-Za-z]:\\" + r"Users\\)"),
          "an absolute path into a home directory")]
# Path(__file__)[.resolve()] followed by .parent / .parents[N]: the number of levels it climbs from the file
FILE_CHAIN = re.compile(r"Path\(\s*__file__\s*\)(?:\.resolve\(\)|\.absolute\(\))?((?:\.parents\[\d+\]|\.parent\b)+)")
DIRNAME_CHAIN = re.compile(r"((?:os\.path\.dirname\(\s*)+)(?:os\.path\.(?:abspath|realpath)\(\s*)?__file__")
# a relative path: each leading ".." segment climbs one level from the file's own directory
DOTDOT_CHAIN = re.compile(r"(?<![\w.~])((?:\.\.[/\\])+)")


def levels_up(chain: str) -> int:
    return sum(int(n) + 1 for n in re.findall(r"\.parents\[(\d+)\]", chain)) + len(re.findall(r"\.parent\b", chain))


def problems_in(relative: str, text: str) -> list[str]:
    """What in `text` (the file at `relative`, POSIX, from the root) points outside the repository."""
    parts = len(Path(relative).parts)  # tests/x.py: 2; going up 2 from the file reaches the root, 3 goes above
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{relative}:{number}"
        found += [f"{where}: {why}" for pattern, why in FIXED if pattern.search(line)]
        for match in FILE_CHAIN.finditer(line):
            if levels_up(match.group(1)) > parts:
                found.append(f"{where}: {match.group(0)} climbs above the repository root")
        for match in DIRNAME_CHAIN.finditer(line):
            if match.group(1).count("dirname") > parts:
                found.append(f"{where}: {match.group(0)} climbs above the repository root")
        for match in DOTDOT_CHAIN.finditer(line):
            if match.group(1).count("..") > parts - 1:  # relative to the file's directory
                found.append(f"{where}: {match.group(1)} climbs above the repository root")
    return found


def tracked_text_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--", *SCANNED], cwd=ROOT, capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()]


def test_no_tracked_file_points_outside_the_repository():
    files = tracked_text_files()
    assert {"lib", "tests", "Makefile"} <= {name.split("/")[0] for name in files}  # git listed the repository
    found = []
    for name in files:
        data = (ROOT / name).read_bytes()  # the working copy, so an uncommitted edit is caught too
        if b"\0" in data:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        found += problems_in(name, text)
    assert not found, "\n".join(found)


# The climbing cases are assembled, so that the scan of this very file stays clean.
FILE, DIRNAME, UP = "Path(__file__)", "os.path.dirname(", "../"


@pytest.mark.parametrize("relative, line, bad", [
    ("tests/x.py", FILE + '.resolve().parents[2] / "shared"', True),
    ("tests/x.py", FILE + ".resolve().parents[1]", False),
    ("tests/browser/x.py", FILE + ".parents[2]", False),
    ("tests/x.py", FILE + ".parent.parent.parent", True),
    ("lib/a/b.py", DIRNAME * 3 + "__file__" + ")" * 3, False),
    ("lib/a/b.py", DIRNAME * 4 + "__file__" + ")" * 4, True),
    ("docs/guide/x.md", f"see [the README]({UP * 2}README.md)", False),
    ("docs/guide/x.md", f"see {UP * 3}elsewhere.md", True),
    ("Makefile", f"cp {UP}x .", True),
    ("tests/x.py", "SPEC = '" + WORK + "x'", True),
    ("tests/x.py", "open('/" + "home/ada/spec.json')", True),
    ("tests/x.py", "from .. import x; print('...')", False),
])
def test_the_scan_tells_climbing_paths(relative, line, bad):
    assert bool(problems_in(relative, line)) is bad
