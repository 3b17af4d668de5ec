"""0.2.0: TRUST_PROXY no longer accepts `true`.

Trusting every proxy let any client choose its own address (and so its rate-limit
budget); from 0.2.0 the API refuses to start with TRUST_PROXY=true. This rewrites a
`.env` (and `.env.example`) that still says true|yes to `1`, the usual single load
balancer, and tells the user to check it. Runs in the project folder after the update.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SETTING = re.compile(r"^(?P<key>\s*TRUST_PROXY\s*=\s*)(?P<quote>[\"']?)(true|yes|\*)(?P=quote)\s*$", re.IGNORECASE | re.MULTILINE)


def migrate(folder: Path) -> list[str]:
    changed = []
    for name in (".env", ".env.example"):
        path = folder / name
        if not path.is_file():
            continue
        text = path.read_text()
        updated = SETTING.sub(lambda m: f"{m['key']}1", text)
        if updated != text:
            path.write_text(updated)
            changed.append(name)
    return changed


if __name__ == "__main__":
    for name in migrate(Path.cwd()):
        print(f"0.2.0 migration: TRUST_PROXY=true in {name} is now 1 (one proxy in front). "
              "Set it to the number of proxies, or their addresses, in front of the API.", file=sys.stderr)
