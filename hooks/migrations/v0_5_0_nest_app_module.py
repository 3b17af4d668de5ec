"""0.5.0: a NestJS project's root module moves to src/app.module.ts and its entry point to src/main.ts.

Until 0.5.0, `AppModule` sat in src/app.ts next to `createNestApp`, and the entry point was
src/server.ts. Nest users look for src/app.module.ts and src/main.ts (and `nest generate`
registers into app.module.ts), so 0.5.0 moves them there.

The feature modules an owner registered in `AppModule` (each `npm run new:resource` adds one
import and one line to its list) would make src/app.ts conflict with the new template, which no
longer has that list. So, before the update, this migration takes those registrations out of
src/app.ts and notes them in a file of its own; after the update it registers them in
src/app.module.ts and deletes the note. Other changes of the owner's to src/app.ts or
src/server.ts stay where they are, and the migration says where they now belong.

Usage (from copier.yml): v0_5_0_nest_app_module.py before|after, in the project folder.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

NOTE = Path(".copier-0.5.0-modules.json")
OLD_ROOT = Path("src/app.ts")
ROOT_MODULE = Path("src/app.module.ts")
OLD_ENTRY = Path("src/server.ts")
MARKER = "// One module a resource."
# The feature modules the template itself registers; any other is the owner's.
TEMPLATE_MODULES = {"HealthModule", "AuthModule", "UsersModule", "PostsModule"}
IMPORT = re.compile(r"^import \{ (?P<name>\w+Module) \} from '(?P<path>\./http/[\w./-]+)';$")
ENTRY = re.compile(r"^ +(?P<name>\w+Module),$")


def is_nest_project() -> bool:
    return Path("src/http/nest").is_dir()


def before() -> int:
    if not is_nest_project() or ROOT_MODULE.exists() or not OLD_ROOT.exists():
        return 0
    text = OLD_ROOT.read_text()
    if MARKER not in text:
        return 0
    lines = text.split("\n")
    imports = {m["name"]: m["path"] for m in map(IMPORT.match, lines) if m and m["name"] not in TEMPLATE_MODULES}
    start = next(i for i, line in enumerate(lines) if MARKER in line)
    # The owner's modules: listed after the marker, and imported from a module file of their own.
    owned = [m["name"] for i, m in enumerate(map(ENTRY.match, lines)) if m and i > start and m["name"] in imports]
    kept = []
    for index, line in enumerate(lines):
        entry, match = ENTRY.match(line), IMPORT.match(line)
        if (index > start and entry and entry["name"] in owned) or (match and match["name"] in owned):
            continue
        kept.append(line)
    if not owned:
        return 0
    OLD_ROOT.write_text("\n".join(kept))
    NOTE.write_text(json.dumps([{"name": name, "path": imports[name]} for name in owned], indent=2) + "\n")
    # Copier reads the project from git's index: stage what changed.
    subprocess.run(["git", "add", "--", str(OLD_ROOT), str(NOTE)], check=True)
    return 0


def register(text: str, name: str, path: str) -> str:
    """The generator's own placement: the import after the last import, the entry at the end of the list."""
    lines = text.split("\n")
    last_import = max(i for i, line in enumerate(lines) if line.startswith("import ") or line.startswith("} from "))
    lines.insert(last_import + 1, f"import {{ {name} }} from '{path}';")
    start = next(i for i, line in enumerate(lines) if MARKER in line)
    close = next(i for i, line in enumerate(lines) if i > start and re.match(r"^\s*\]", line))
    lines.insert(close, f"        {name},")
    return "\n".join(lines)


def after() -> int:
    if not is_nest_project():
        return 0
    notes = json.loads(NOTE.read_text()) if NOTE.exists() else []
    if notes and ROOT_MODULE.exists():
        text = ROOT_MODULE.read_text()
        moved = []
        for note in notes:
            if re.search(rf"\b{note['name']}\b", text):
                continue
            text = register(text, note["name"], note["path"])
            moved.append(note["name"])
        ROOT_MODULE.write_text(text)
        NOTE.unlink()
        if moved:
            print(f"0.5.0 migration: {', '.join(moved)} registered in {ROOT_MODULE}, where AppModule now lives")
    if OLD_ROOT.exists() and "class AppModule" in OLD_ROOT.read_text():
        print(
            f"0.5.0 migration: {OLD_ROOT} still declares AppModule with changes of yours; AppModule now lives in "
            f"{ROOT_MODULE}: move your changes there and keep only createNestApp in {OLD_ROOT}",
            file=sys.stderr,
        )
    if OLD_ENTRY.exists():
        print(
            f"0.5.0 migration: {OLD_ENTRY} has changes of yours, so the update kept it; the entry point is now "
            "src/main.ts (nest start, dist/main.js): move your changes there and delete the old file",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    stage = sys.argv[1] if len(sys.argv) > 1 else ""
    if stage not in ("before", "after"):
        sys.exit("usage: v0_5_0_nest_app_module.py before|after")
    sys.exit(before() if stage == "before" else after())
