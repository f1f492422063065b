#!/usr/bin/env python3
"""Per-format results over the real-world corpus, as a Markdown table.

    python3 bench/corpus_table.py [CORPUS]      (default: ../shared/corpus)

Runs the release CLI (`clean --dry-run --json`: plan, verify, scan every
output byte, write nothing) on each corpus folder and counts the files
cleaned and refused, with each refusal's reason. The conformance tests
judge the same files with independent tools; this only summarises.
"""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "corpus")
subprocess.run(["cargo", "build", "--release", "-q", "-p", "mediascrub-cli"], cwd=ROOT, check=True)
binary = os.path.join(ROOT, "target", "release", "mediascrub")

print("| folder | files | cleaned | refused (reason) |")
print("| --- | ---: | ---: | --- |")
for folder in sorted(os.listdir(corpus)):
    path = os.path.join(corpus, folder)
    if not os.path.isdir(path):
        continue
    out = subprocess.run([binary, "clean", "--dry-run", "--json", "-q", path],
                         capture_output=True, text=True)
    doc = json.loads(out.stdout or "{}")
    files = doc.get("files", [])
    refused = [(os.path.basename(f["path"]), f.get("error")) for f in files if f.get("error")]
    cleaned = len(files) - len(refused)
    reasons = "; ".join(f"`{name}`: {reason}" for name, reason in refused) or "—"
    print(f"| `{folder}/` | {len(files)} | {cleaned} | {reasons} |")
