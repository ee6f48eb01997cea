"""Download the tutorials of ``manifest.json`` into ``tests/tutorials/data/``, each at its commit.

``python tests/tutorials/fetch_tutorials.py`` fetches every file from
raw.githubusercontent.com and keeps it only if its sha256 matches the manifest (the
published file, unchanged). The files stay out of the repository: each is under its
own licence, named in the manifest.
"""

from __future__ import annotations

import hashlib
import json
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    entries = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))["tutorials"]
    (HERE / "data").mkdir(exist_ok=True)
    failed = 0
    for entry in entries:
        url = (f"https://raw.githubusercontent.com/{entry['repository']}/{entry['commit']}/"
               f"{entry['path']}")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - fixed URL
                content = response.read()
        except OSError as error:
            print(f"{entry['file']}: cannot fetch {url}: {error}", file=sys.stderr)
            failed += 1
            continue
        if hashlib.sha256(content).hexdigest() != entry["sha256"]:
            print(f"{entry['file']}: {url} is not the file the manifest names", file=sys.stderr)
            failed += 1
            continue
        (HERE / "data" / entry["file"]).write_bytes(content)
        print(f"{entry['file']}: {entry['repository']} {entry['path']} @ {entry['commit'][:10]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
