"""What the durable inbox costs: ``bench/bench_channels.py`` on the commit before the inbox and on this tree, in
one run, alternating twice (reference, current, reference, current), then the figures side by side.

The reference is checked out into a temporary git worktree and run with this venv and models directory (its
training data is the same, so is its model). Usage: ``.venv/bin/python bench/bench_inbox_cost.py [--ref REV]``
(default: the parent of the commit that added ``lmi4vet/inbox.py``). Prints its figures.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^\s*(REST|Telegram)\s+p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms\s+([\d.]+) msg/s")
USERS = re.compile(r"^\s*(\d+) user\(s\)")


def default_ref() -> str:
    added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", "lmi4vet/inbox.py"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    if not added:
        raise SystemExit("lmi4vet/inbox.py is not in the history: give --ref")
    return f"{added[-1]}^"


def run_channels(tree: Path) -> dict[tuple[int, str], tuple[float, float, float]]:
    """Run bench_channels.py of ``tree``; ``{(users, channel): (p50, p95, msg/s)}``."""
    env = dict(os.environ, PYTHONPATH=str(tree), LMI4VET_HOME=str(tree),
               LMI4VET_MODELS_DIR=os.environ.get("LMI4VET_MODELS_DIR", str(ROOT / "models")))
    output = subprocess.run([sys.executable, str(tree / "bench" / "bench_channels.py")], cwd=tree, env=env,
                            capture_output=True, text=True, check=True).stdout
    figures: dict[tuple[int, str], tuple[float, float, float]] = {}
    users = 0
    for line in output.splitlines():
        if match := USERS.match(line):
            users = int(match.group(1))
        elif match := LINE.match(line):
            figures[(users, match.group(1))] = (float(match.group(2)), float(match.group(3)), float(match.group(4)))
    if not figures:
        raise SystemExit(f"no figures from {tree}:\n{output}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default=None, help="the reference revision (default: before the inbox)")
    args = parser.parse_args()
    ref = args.ref or default_ref()
    sha = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "reference"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            runs = {"reference": [], "current": []}
            for _ in range(2):
                for name, where in (("reference", tree), ("current", ROOT)):
                    print(f"running {name} ({sha if name == 'reference' else 'this tree'}) ...", flush=True)
                    runs[name].append(run_channels(where))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    print(f"\nTelegram webhook -> sendMessage at the stand-in; REST for scale. reference = {sha}, current = "
          "this tree (durable inbox). Best of two runs each (p50/p95 lowest, msg/s highest).")
    for key in sorted(runs["current"][0]):
        users, channel = key
        best = {name: (min(r[key][0] for r in results), min(r[key][1] for r in results),
                       max(r[key][2] for r in results)) for name, results in runs.items()}
        ref_f, cur_f = best["reference"], best["current"]
        print(f"{users:>2} user(s) {channel:<8}  reference p50 {ref_f[0]:6.1f} p95 {ref_f[1]:6.1f} ms "
              f"{ref_f[2]:5.1f} msg/s | current p50 {cur_f[0]:6.1f} p95 {cur_f[1]:6.1f} ms {cur_f[2]:5.1f} msg/s "
              f"| current/reference p50 {cur_f[0] / ref_f[0]:.2f} p95 {cur_f[1] / ref_f[1]:.2f}")


if __name__ == "__main__":
    main()
