"""Optional post-copy task: `npm install` in the new project (answer run_npm_install)."""

import shutil
import subprocess
import sys


def main() -> int:
    npm = shutil.which("npm")
    if npm is None:
        print("run_npm_install: npm is not on PATH; install Node.js 22+ and run `npm install` yourself.")
        return 1
    print("Running npm install (skip it next time by answering run_npm_install=false)...")
    return subprocess.call([npm, "install", "--no-audit", "--no-fund"])


if __name__ == "__main__":
    sys.exit(main())
