"""The release record (RELEASES at the repository root) and the git tags made from it.

    python scripts/releases.py tag              tag every recorded release missing here (vVERSION)
    python scripts/releases.py record VERSION   record HEAD as VERSION (its CHANGELOG heading must exist)
    python scripts/releases.py list             VERSION COMMIT per line, oldest first
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "RELEASES"
LINE = re.compile(r"^(\d+\.\d+\.\d+) ([0-9a-f]{40})$")


class ReleaseError(Exception):
    pass


def git(*args: str, root: Path = ROOT, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=check)


def releases(root: Path = ROOT) -> list[tuple[str, str]]:
    """(version, commit) of every recorded release, oldest first; a malformed line is an error naming it."""
    found: list[tuple[str, str]] = []
    for number, raw in enumerate((root / "RELEASES").read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match:
            raise ReleaseError(f"RELEASES:{number}: '{line}' is not `VERSION COMMIT` (e.g. 0.2.0 and a 40-character commit id)")
        found.append((match.group(1), match.group(2)))
    versions = [tuple(map(int, version.split("."))) for version, _ in found]
    if versions != sorted(set(versions)):
        raise ReleaseError("RELEASES: versions must be unique and oldest first")
    return found


def has_commit(commit: str, root: Path = ROOT) -> bool:
    return git("cat-file", "-e", f"{commit}^{{commit}}", root=root, check=False).returncode == 0


def tag(root: Path = ROOT) -> list[str]:
    """Creates the missing tags; returns one line a release about what it did."""
    report = []
    for version, commit in releases(root):
        name = f"v{version}"
        existing = git("rev-parse", "-q", "--verify", f"refs/tags/{name}^{{commit}}", root=root, check=False).stdout.strip()
        if existing == commit:
            continue
        if existing:
            report.append(f"{name} points at {existing[:12]}, the record says {commit[:12]}: left as it is (delete the tag to take the record's)")
        elif not has_commit(commit, root):
            report.append(f"{name}: commit {commit[:12]} is not in this clone (a shallow clone? `git fetch --unshallow`)")
        else:
            git("tag", name, commit, root=root)
            report.append(f"tagged {name} at {commit[:12]}")
    return report


def record(version: str, root: Path = ROOT) -> str:
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise ReleaseError(f"'{version}' is not a version like 0.3.0")
    head = git("rev-parse", "HEAD", root=root).stdout.strip()
    changelog = git("show", f"{head}:CHANGELOG.md", root=root).stdout
    if not re.search(rf"^## {re.escape(version)}\b", changelog, re.M):
        raise ReleaseError(f"CHANGELOG.md at HEAD has no `## {version}` heading: name the release there and commit it first")
    known = releases(root)
    if any(tuple(map(int, version.split("."))) <= tuple(map(int, v.split("."))) for v, _ in known):
        raise ReleaseError(f"{version} is not newer than the last recorded release {known[-1][0]}")
    with (root / "RELEASES").open("a") as out:
        out.write(f"{version} {head}\n")
    return f"recorded {version} at {head[:12]}; commit RELEASES, then `./kit setup` tags it"


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["tag"]:
            for line in tag():
                print(f"releases: {line}")
        elif argv[:1] == ["record"] and len(argv) == 2:
            print(record(argv[1]))
        elif argv[:1] == ["list"]:
            for version, commit in releases():
                print(version, commit)
        else:
            print(__doc__.strip(), file=sys.stderr)
            return 2
    except ReleaseError as error:
        print(f"releases: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
