"""0.3.0: the REST operations move from one file to one module a resource.

Until 0.3.0 every endpoint sat in `src/http/operations.ts`; from 0.3.0 each resource has
`src/http/operations/<resource>.ts` and `operations.ts` only lists them. An owner who added
endpoints to the old file would meet a conflict there, so this migration carries them over:

- before the update, it takes every operation the template never shipped out of
  `src/http/operations.ts` (leaving the file as the template made it, so the update merges
  cleanly) and writes them, with the imports they use, to `src/http/operations/own.ts`;
- after the update, it registers `ownOperations` in the new `operations.ts`.

Usage (from copier.yml): v0_3_0_operations_split.py before|after, in the project folder.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

INDEX = Path("src/http/operations.ts")
OWN = Path("src/http/operations/own.ts")

# Every (method, path) an operations.ts of the template declared, in any release up to 0.3.0.
SHIPPED = {
    ("get", "/admin/users"), ("patch", "/admin/users/:id"), ("post", "/auth/change-password"),
    ("post", "/auth/forgot-password"), ("post", "/auth/login"), ("post", "/auth/logout"), ("get", "/auth/me"),
    ("post", "/auth/refresh"), ("post", "/auth/register"), ("get", "/auth/reset-password"),
    ("post", "/auth/reset-password"), ("get", "/auth/verify-email"), ("post", "/auth/verify-email"),
    ("post", "/auth/verify-email/resend"), ("get", "/health"), ("get", "/health/ready"), ("get", "/metrics"),
    ("get", "/posts"), ("post", "/posts"), ("delete", "/posts/:id"), ("get", "/posts/:id"), ("patch", "/posts/:id"),
    ("get", "/posts/:id/comments"), ("post", "/posts/:id/comments"), ("delete", "/posts/:id/like"),
    ("put", "/posts/:id/like"), ("post", "/users"), ("get", "/users/:id"),
}
# Where each name an operation may use comes from, seen from src/http/operations/.
SOURCES = {
    "../operation": ["acting", "createErrors", "NoContent", "operation", "ownerErrors", "RawReply", "readErrors", "targetErrors"],
    "../../core/errors": ["PROBLEM_CONTENT_TYPE", "ProblemSchema"],
    "../../core/fields": ["IdParams"],
    "../../core/pagination": ["PageQuery"],
    "../actor": ["actorId"],
    "zod": ["z"],
    "../../core/modules/auth/auth.schema": [
        "AcceptedSchema", "ChangePasswordBody", "EmailBody", "LoginBody", "RefreshBody", "RegisterBody", "RegisterResponse",
        "ResetPasswordBody", "TokenBody", "TokenPairSchema", "TokenQuery", "TokenStatusSchema",
    ],
    "../../core/modules/comments/comments.schema": ["CommentPageSchema", "CommentSchema", "CreateCommentBody"],
    "../../core/modules/posts/posts.schema": ["CreatePostBody", "LikeStateSchema", "PostPageSchema", "PostSchema", "UpdatePostBody"],
    "../../core/modules/users/users.schema": ["CreateUserBody", "PublicUserSchema", "UpdateRoleBody", "UserPageSchema", "UserSchema"],
}
# Modules the old operations.ts imported from the template itself (not the owner's).
TEMPLATE_IMPORTS = re.compile(r"^(zod|\.\./core/.*|\./actor|\./common)$")
IMPORT = re.compile(r"^import [^;\n]+ from '([^']+)';\n", re.MULTILINE)


def blocks(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, method, path) of each `operation({ ... }),` at the list's indentation."""
    found = []
    for match in re.finditer(r"^    operation\(\{\n", text, re.MULTILINE):
        depth, index, quote = 0, match.start() + len("    operation"), None
        while index < len(text):
            char = text[index]
            if quote:
                if char == "\\":
                    index += 1
                elif char == quote:
                    quote = None
            elif char in "'\"`":
                quote = char
            elif char in "({[":
                depth += 1
            elif char in ")}]":
                depth -= 1
                if depth == 0:
                    break
            index += 1
        end = text.index("\n", index) + 1  # the line that closes it: `    }),`
        body = text[match.start() : end]
        method = re.search(r"method: '(\w+)'", body)
        path = re.search(r"path: '([^']+)'", body)
        found.append((match.start(), end, method.group(1) if method else "", path.group(1) if path else ""))
    return found


def used(name: str, code: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", code) is not None or f"...{name}" in code


def own_module(operations: list[str], owner_imports: list[str]) -> str:
    """src/http/operations/own.ts: the moved operations and the imports they use."""
    code = "".join(operations)
    imports = ["import type { Container } from '../../core/container';"]
    for source, names in SOURCES.items():
        wanted = [name for name in names if used(name, code)]
        if source == "../operation":
            wanted = sorted([*wanted, "type Operation"], key=lambda name: name.removeprefix("type ").lower())
        if wanted:
            imports.append(f"import {{ {', '.join(wanted)} }} from '{source}';")
    imports += owner_imports
    services = [name for name in ("users", "posts", "comments") if re.search(rf"(?<![\w.]){name}\.", code)]
    setup = f"  const {{ {', '.join(services)} }} = container;\n" if services else ""
    parameter = "container" if services or re.search(r"(?<![\w.])container\b", code) else "_container"
    return (
        "\n".join(imports)
        + "\n\n/** Operations this project added itself (moved here from src/http/operations.ts by the 0.3.0 update). */\n"
        + f"export function ownOperations({parameter}: Container): Operation[] {{\n{setup}  return [\n"
        + "".join(operations)
        + "  ];\n}\n"
    )


def before(root: Path) -> str | None:
    index = root / INDEX
    if not index.is_file() or (root / OWN).exists():
        return None
    text = index.read_text()
    owner = [b for b in blocks(text) if (b[2], b[3]) not in SHIPPED]
    if not owner:
        return None
    moved = [text[start:end] for start, end, _, _ in owner]
    for start, end, _, _ in reversed(owner):
        text = text[:start] + text[end:]
    owner_imports = []
    for match in IMPORT.finditer(text):
        if not TEMPLATE_IMPORTS.match(match.group(1)):
            specifier = match.group(1)
            moved_to = "../" + specifier.removeprefix("./") if specifier.startswith("./") else "../" + specifier if specifier.startswith("../") else specifier
            owner_imports.append(match.group(0).rstrip("\n").replace(f"'{specifier}'", f"'{moved_to}'"))
    (root / OWN).parent.mkdir(parents=True, exist_ok=True)
    (root / OWN).write_text(own_module(moved, owner_imports))
    index.write_text(text)
    # Copier reads the project from git's index: stage what moved.
    subprocess.run(["git", "add", "--", str(INDEX), str(OWN)], cwd=root, check=True)
    return ", ".join(f"{m.upper()} {p}" for _, _, m, p in owner)


def after(root: Path) -> bool:
    index = root / INDEX
    if not (root / OWN).is_file() or not index.is_file():
        return False
    text = index.read_text()
    if "ownOperations" in text or "export function operations(" not in text:
        return False
    last_import = list(IMPORT.finditer(text))[-1]
    text = text[: last_import.end()] + "import { ownOperations } from './operations/own';\n" + text[last_import.end() :]
    close = text.rindex("  ];\n}")
    text = text[:close] + "    ...ownOperations(container),\n" + text[close:]
    index.write_text(text)
    return True


if __name__ == "__main__":
    stage = sys.argv[1] if len(sys.argv) > 1 else ""
    if stage == "before":
        moved = before(Path.cwd())
        if moved:
            print(f"0.3.0 migration: your operations ({moved}) moved from {INDEX} to {OWN}.", file=sys.stderr)
    elif stage == "after":
        if after(Path.cwd()):
            print(f"0.3.0 migration: {INDEX} lists ownOperations from {OWN}; run `npm run format` and review them.", file=sys.stderr)
    else:
        sys.exit("usage: v0_3_0_operations_split.py before|after")
