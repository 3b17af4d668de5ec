"""0.4.0: an Apollo project's schema moves from TypeScript strings to .graphql files.

Until 0.4.0 the core schema was the `typeDefs` string of `src/graphql/schema.ts`, and each
resource written by `npm run new:resource` kept its SDL in the `typeDefs` string of its module,
`src/graphql/resources/<name>.ts`. From 0.4.0 the core schema is `src/graphql/schema.graphql`
(the update brings it) and a resource's SDL is `src/graphql/resources/<name>.graphql`, next to
its resolvers. After the update, this migration moves each resource's string into its .graphql
file and takes it out of the module. A `src/graphql/schema.ts` still there after the update is
one its owner changed: the migration says so, and the owner moves the changes over.

Usage (from copier.yml): v0_4_0_graphql_sdl.py, in the project folder, after the update.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

RESOURCES = Path("src/graphql/resources")
OLD_SCHEMA = Path("src/graphql/schema.ts")
TYPE_DEFS = re.compile(r"^export const typeDefs = /\* GraphQL \*/ `(?P<sdl>(?:[^`\\]|\\.)*)`;\n\n?", re.MULTILINE)


def sdl_file(sdl: str) -> str:
    """The string's SDL as a file: unescaped, and at the margin (the strings were indented by two)."""
    text = sdl.replace("\\`", "`").strip("\n")
    lines = [line[2:] if line.startswith("  ") else line for line in text.split("\n")]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    if not Path("src/graphql").is_dir():
        return 0
    moved = []
    for module in sorted(RESOURCES.glob("*.ts")) if RESOURCES.is_dir() else []:
        text = module.read_text()
        match = TYPE_DEFS.search(text)
        if not match:
            continue
        target = module.with_suffix(".graphql")
        if target.exists():
            print(f"0.4.0 migration: {target} exists already; {module}'s typeDefs left for you to merge", file=sys.stderr)
            continue
        target.write_text(sdl_file(match["sdl"]))
        module.write_text(text[: match.start()] + text[match.end() :])
        moved.append(module.stem)
    left = [module.name for module in sorted(RESOURCES.glob("*.ts")) if "typeDefs" in module.read_text()] if RESOURCES.is_dir() else []
    if left:
        print(
            f"0.4.0 migration: {', '.join(left)} still mention typeDefs in a form this migration does not know; move their "
            "SDL to a .graphql file of the same name by hand (the server no longer reads typeDefs from modules)",
            file=sys.stderr,
        )
    if moved:
        print(f"0.4.0 migration: the SDL of {', '.join(moved)} moved to src/graphql/resources/*.graphql; run npm run generate")
    if OLD_SCHEMA.exists():
        print(
            f"0.4.0 migration: {OLD_SCHEMA} has changes of yours, so the update kept it; the schema is now "
            "src/graphql/schema.graphql: move your changes there and delete the old file",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
