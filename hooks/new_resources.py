"""Copy-time task: the `resources` answer, each written by the new project's own generator
(`node tools/new-resource.mjs`), in order, so a later resource can reference an earlier one."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path


def command(resource: dict) -> list[str]:
    args = [resource["name"], "--fields", resource["fields"]]
    if resource.get("owned"):
        args.append("--owned")
    for key in ("endpoints", "plural"):
        if resource.get(key):
            args += [f"--{key}", resource[key]]
    return args


def main(answer: str) -> int:
    resources = json.loads(answer)
    commands = [command(resource) for resource in resources]
    later = "\n".join(f"  npm run new:resource -- {shlex.join(args)}" for args in commands)
    node = shutil.which("node")
    if node is None:
        print(f"resources: node is not on PATH, so none was written. Install Node.js 22+ and run, in the project:\n{later}")
        return 1
    installed = Path("node_modules").is_dir()
    for args in commands:
        # Without node_modules there is no prettier, Prisma or Python set to check with yet.
        result = subprocess.run([node, "tools/new-resource.mjs", *args, *([] if installed else ["--skip-checks"])])
        if result.returncode != 0:
            print(f"resources: {args[0]} was not written (see above); the resources before it were. Fix its answer and run:\n  npm run new:resource -- {shlex.join(args)}")
            return result.returncode
    if not installed:
        print(f"{len(commands)} resource(s) written. After `npm install`, run `npm run format` once: the generator formats with the project's prettier.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
