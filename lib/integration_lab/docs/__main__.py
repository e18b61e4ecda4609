"""`python -m integration_lab.docs [--out site] [--jobs N]`: the docs site from outputs/, nothing executed.
`python -m integration_lab.docs serve [--port 8000] [--dir site]`: serve it on 127.0.0.1."""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import time
from pathlib import Path

from .generate import generate


def build(root: Path, out: Path, jobs: int, src: Path | None = None, quiet: bool = True) -> int:
    """Generate the source tree, render it beside it (incrementally), then copy the finished site to `out`.

    Rendering happens in `<src>/../html` because myst-nb writes a `jupyter_execute/` folder beside its
    output directory (next to `site/` that would be the project root); only a finished site reaches `out`.
    """
    from sphinx.cmd.build import build_main

    src = src or root / "build" / "docs" / "src"
    html = src.parent / "html"
    if out.exists() and any(out.iterdir()) and not (out / "searchindex.js").exists():
        print(f"error: {out}/ exists and is not a docs site; not replacing it", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        runs = generate(root, src)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args = ["-b", "html", "-c", str(root / "docs"), "-d", str(src.parent / "doctrees"), "-j", str(jobs),
            "-W", "--keep-going", str(src), str(html)]
    status = build_main(["-q", *args] if quiet else args)
    if status != 0:
        return status
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(html, out, ignore=shutil.ignore_patterns(".buildinfo*", ".doctrees", "_sources"))
    print(f"docs: {len(runs)} runs, {sum(1 for _ in out.rglob('*.html'))} pages into {out}/ "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


def serve(directory: Path, port: int) -> int:
    if not (directory / "index.html").exists():
        print(f"error: no site in {directory}/; run `make docs` first", file=sys.stderr)
        return 2
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {directory}/ on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m integration_lab.docs", description=__doc__)
    parser.add_argument("command", nargs="?", default="build", choices=["build", "serve"])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project root (default: here)")
    parser.add_argument("--out", "--dir", dest="out", type=Path, default=None, help="site directory (default: site/)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel Sphinx workers (default 2)")
    parser.add_argument("--port", type=int, default=8000, help="serve: port on 127.0.0.1 (default 8000)")
    parser.add_argument("--verbose", action="store_true", help="build: show Sphinx's progress")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    out = (args.out or root / "site").resolve()
    if args.command == "serve":
        return serve(out, args.port)
    return build(root, out, args.jobs, quiet=not args.verbose)


if __name__ == "__main__":
    sys.exit(main())
