"""The quality gates `make test` runs besides the tests (CONTRIBUTING.md, "Quality gates").

  python .ci/gates.py coverage build/coverage/coverage.json --line 90 --branch 85
  python .ci/gates.py nosec lib
  python .ci/gates.py secrets --baseline .secrets.baseline notebooks outputs

Each prints what it checked and exits 1 naming what failed; none passes on nothing checked.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path


def coverage_floor(report: Path, line_floor: float, branch_floor: float) -> int:
    data = json.loads(report.read_text())
    totals = data["totals"]
    figures = [("line", totals["covered_lines"], totals["num_statements"], line_floor),
               ("branch", totals["covered_branches"], totals["num_branches"], branch_floor)]
    failed = []
    for name, hit, total, floor in figures:
        if total == 0:  # a run that measured nothing must not pass
            failed.append(f"{name} coverage: nothing was measured")
            continue
        percent = 100 * hit / total
        print(f"{name} coverage of lib/: {percent:.2f} % ({hit}/{total}), floor {floor:g} %")
        if percent < floor:
            failed.append(f"{name} coverage of lib/ is {percent:.2f} %, below the floor of {floor:g} %")
    if failed:
        print("least covered files (missing lines + branches):")
        gaps = sorted(((f["summary"]["missing_lines"] + f["summary"].get("missing_branches", 0), name)
                       for name, f in data["files"].items()), reverse=True)
        for missing, name in gaps[:12]:
            print(f"  {missing:5d}  {name}")
        for message in failed:
            print(f"FAILED: {message}")
        return 1
    return 0


# `# nosec B105  # why`: bandit reads the ids up to the second `#`; the reason follows it.
NOSEC = re.compile(r"#\s*nosec\b(?P<rest>.*)")
EXPLAINED = re.compile(r"^\s+B\d{3}(\s*,\s*B\d{3})*\s+#\s*\S.{9,}")


def nosec_reasons(roots: list[str]) -> int:
    bare = []
    count = 0
    for root in roots:
        for path in sorted(Path(root).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                match = NOSEC.search(line)
                if match:
                    count += 1
                    if not EXPLAINED.match(match["rest"]):
                        bare.append(f"{path}:{number}: {line.strip()}")
    print(f"nosec markers in {', '.join(roots)}: {count}")
    for entry in bare:
        print(f"FAILED: a nosec without a test id and a reason (`# nosec B123  # why`): {entry}")
    return 1 if bare else 0


def files_under(roots: list[str]) -> list[str]:
    found = []
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
            found += [os.path.join(folder, n) for n in sorted(names)]
    return found


def secret_scan(baseline_path: Path, roots: list[str]) -> int:
    from detect_secrets.core import baseline
    from detect_secrets.core.secrets_collection import SecretsCollection

    known = baseline.load(baseline.load_from_file(str(baseline_path)), str(baseline_path))  # also its settings
    files = files_under(roots)
    if not files:
        print(f"FAILED: no files to scan under {', '.join(roots)}")
        return 1
    found = SecretsCollection()
    found.scan_files(*files, num_processors=2)
    failed = []
    for filename, secret in found - known:
        failed.append(f"{filename}:{secret.line_number}: {secret.type}")  # never the value itself
    for filename, secret in known:
        if secret.is_secret is not False:  # the baseline only holds audited false positives
            failed.append(f"{baseline_path}: {filename}:{secret.line_number} {secret.type} is not audited "
                          "as a false positive")
    print(f"secret scan: {len(files)} files under {', '.join(roots)}, "
          f"{len(list(known))} audited false positives in {baseline_path}")
    for message in failed:
        print(f"FAILED: possible secret {message}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    gates = parser.add_subparsers(dest="gate", required=True)
    cov = gates.add_parser("coverage", help="fail below the line or branch floor of a `coverage json` report")
    cov.add_argument("report", type=Path)
    cov.add_argument("--line", type=float, required=True)
    cov.add_argument("--branch", type=float, required=True)
    nosec = gates.add_parser("nosec", help="every `# nosec` names its bandit test and says why")
    nosec.add_argument("roots", nargs="+")
    secrets = gates.add_parser("secrets", help="detect-secrets over folders, against an audited baseline")
    secrets.add_argument("--baseline", type=Path, required=True)
    secrets.add_argument("roots", nargs="+")
    args = parser.parse_args(argv)
    if args.gate == "coverage":
        return coverage_floor(args.report, args.line, args.branch)
    if args.gate == "nosec":
        return nosec_reasons(args.roots)
    return secret_scan(args.baseline, args.roots)


if __name__ == "__main__":
    sys.exit(main())
