"""The shape of the collection: shared parts written once, stubs that point at them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scripts.shared_stubs import OWN_FILES, output, partials, stub_path, stub_text

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STACKS = sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir() and not p.name.startswith("_"))
INCLUDE = re.compile(r'{%-?\s*include\s+"([^"]+)"')


def test_every_stack_folder_is_offered_in_the_questionnaire():
    offered = {choice["value"] for choice in yaml.safe_load((ROOT / "copier.yml").read_text())["stack"]["choices"].values()}
    assert offered == set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_every_stub_points_at_a_partial_that_exists(stack):
    for path in (TEMPLATES / stack).rglob("*"):
        if path.is_file():
            for target in INCLUDE.findall(path.read_text()):
                assert (ROOT / target).is_file(), f"{path.relative_to(ROOT)} includes missing {target}"


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_includes_every_shared_partial(stack):
    for partial in partials():
        target = stub_path(partial)
        if output(partial) in OWN_FILES.get(stack, set()):
            own = TEMPLATES / stack / target
            assert not own.is_file() or own.read_text() != stub_text(partial), f"{stack} should not include {partial}"
            continue
        if target is None:  # pulled in by a stack file that sets variables first
            included = any(f"templates/_shared/{partial}" in p.read_text() for p in (TEMPLATES / stack).rglob("*") if p.is_file())
            assert included, f"{stack} never includes {partial}"
            continue
        stub = TEMPLATES / stack / target
        assert stub.is_file(), f"{stack} lacks the stub {target} (run: python scripts/shared_stubs.py {stack})"
        assert stub.read_text() == stub_text(partial)


def test_no_symlinks_in_templates():
    assert not [p for p in TEMPLATES.rglob("*") if p.is_symlink()]


JINJA = re.compile(r"{{|{%|{#")


def test_a_shared_partial_is_named_jinja_exactly_when_it_carries_jinja():
    """So a reader of templates/_shared/ knows which files are templates and which are copied as they are."""
    for partial in partials():
        carries = bool(JINJA.search((TEMPLATES / "_shared" / partial).read_text()))
        named = partial.endswith(".jinja")
        assert carries == named, (
            f"templates/_shared/{partial} {'carries' if carries else 'carries no'} Jinja: "
            f"{'add' if carries else 'drop'} the .jinja suffix (git mv) and rewrite the stubs (python scripts/shared_stubs.py STACK)"
        )
