"""Fast tier: the release record (RELEASES) and the tags `./kit setup` makes from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.releases import ReleaseError, record, releases, tag
from tests.conftest import ROOT, git


@pytest.fixture
def repo(tmp_path) -> Path:
    """A small repository with two commits and a record of the first as 0.1.0."""
    git("init", "-q", cwd=tmp_path)
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## 0.1.0\n")
    git("add", "-A", cwd=tmp_path)
    git("commit", "-q", "-m", "one", cwd=tmp_path)
    first = git("rev-parse", "HEAD", cwd=tmp_path).strip()
    (tmp_path / "RELEASES").write_text(f"# the record\n0.1.0 {first}\n")
    git("add", "-A", cwd=tmp_path)
    git("commit", "-q", "-m", "two", cwd=tmp_path)
    return tmp_path


def test_the_repositorys_record_is_well_formed_and_its_releases_have_changelog_headings():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    recorded = releases()
    assert [version for version, _ in recorded][:2] == ["0.1.0", "0.2.0"]
    for version, _ in recorded:
        assert f"## {version} " in changelog, f"CHANGELOG.md has no heading for release {version}"


def test_missing_tags_are_made_at_the_recorded_commits_and_a_conflicting_tag_is_left_alone(repo):
    first = releases(repo)[0][1]
    assert tag(repo) == [f"tagged v0.1.0 at {first[:12]}"]
    assert git("rev-parse", "v0.1.0^{commit}", cwd=repo).strip() == first
    assert tag(repo) == []  # nothing left to do
    git("tag", "-f", "v0.1.0", "HEAD", cwd=repo)
    assert "points at" in tag(repo)[0] and git("rev-parse", "v0.1.0^{commit}", cwd=repo).strip() != first


def test_a_release_is_recorded_only_after_its_changelog_heading_and_only_once(repo):
    with pytest.raises(ReleaseError, match="no `## 0.2.0` heading"):
        record("0.2.0", repo)
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## 0.2.0 — today\n\n## 0.1.0\n")
    git("commit", "-qam", "name 0.2.0", cwd=repo)
    assert "recorded 0.2.0" in record("0.2.0", repo)
    assert [version for version, _ in releases(repo)] == ["0.1.0", "0.2.0"]
    with pytest.raises(ReleaseError, match="not newer than the last recorded release 0.2.0"):
        record("0.2.0", repo)


def test_a_malformed_line_is_named(repo):
    (repo / "RELEASES").write_text("0.1.0 abc\n")
    with pytest.raises(ReleaseError, match="RELEASES:1: '0.1.0 abc' is not `VERSION COMMIT`"):
        releases(repo)
