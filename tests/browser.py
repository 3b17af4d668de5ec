"""Headless Chromium (Debian's package) for the checks that need a real browser."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--hide-scrollbars"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    raise RuntimeError("Chromium is not installed: `apt-get install chromium` (./kit setup does it as root)")


def _run(args: list[str], profile: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=8000", *args],
        capture_output=True, text=True, timeout=90,
    )


def chromium_dom(url: str) -> str:
    """The DOM after the page's scripts ran."""
    with tempfile.TemporaryDirectory() as profile:
        proc = _run(["--dump-dom", url], profile)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def chromium_screenshot(url: str, path: Path, size: str = "1280,1600") -> Path:
    with tempfile.TemporaryDirectory() as profile:
        proc = _run([f"--screenshot={path}", f"--window-size={size}", url], profile)
    assert proc.returncode == 0 and path.exists(), proc.stderr[-2000:]
    return path


def png_colours(path: Path, limit: int = 64) -> int:
    """How many distinct RGB(A) colours a PNG screenshot holds (up to `limit`): a blank page has one."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, channels = 8, b"", 0, 4
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, _height, _depth, colour_type = struct.unpack(">IIBB", chunk[:10])
            channels = {2: 3, 6: 4}.get(colour_type, 4)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels + 1
    colours: set[bytes] = set()
    # Unfiltered sampling is enough to tell a blank page from a drawn one.
    for row in range(0, len(raw) // stride, 7):
        line = raw[row * stride + 1:(row + 1) * stride]
        for x in range(0, len(line) - channels, channels * 13):
            colours.add(line[x:x + channels])
            if len(colours) >= limit:
                return len(colours)
    return len(colours)
