"""``curriculum links``: nbgitpuller links that open each module's student notebook."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from curriculum.staff.cli import main
from curriculum.staff.links import module_link, repository_folder

REPO = Path(__file__).resolve().parents[2]


def test_a_link_clones_the_repository_and_opens_the_module_in_jupyterlab():
    link = module_link("https://hub.example.edu/", "https://git.example.edu/school/smm-course.git",
                       "01-patient-privacy", branch="spring-2027")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.edu", "/hub/user-redirect/git-pull")
    assert parse_qs(parts.query) == {
        "repo": ["https://git.example.edu/school/smm-course.git"],
        "branch": ["spring-2027"],
        "urlpath": ["lab/tree/smm-course/release/01-patient-privacy/01-patient-privacy.ipynb"],
    }


def test_a_hub_under_a_path_keeps_its_path():
    assert module_link("https://example.edu/jhub", "https://example.edu/r/c", "x").startswith(
        "https://example.edu/jhub/hub/user-redirect/git-pull?repo=https%3A%2F%2Fexample.edu%2Fr%2Fc&branch=main&")


@pytest.mark.parametrize("hub, repo, branch, message", [
    ("hub.example.edu", "https://example.edu/r", "main", "hub 'hub.example.edu' is not an http(s) address"),
    ("https://hub.example.edu", "git@example.edu:r.git", "main", "repository 'git@example.edu:r.git' is not an http(s)"),
    ("https://hub.example.edu?x=1", "https://example.edu/r", "main", "has a query or fragment"),
    ("https://hub.example.edu", "https://example.edu/", "main", "has no name in its path"),
    ("https://hub.example.edu", "https://example.edu/r", "my branch", "is not a branch name"),
])
def test_bad_addresses_are_refused_with_what_to_give(hub, repo, branch, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        module_link(hub, repo, "01-patient-privacy", branch)


def test_repository_folder_is_the_last_path_part_without_git():
    assert repository_folder("https://github.com/school/course.git/") == "course"


def test_the_command_prints_one_link_per_released_module(capsys):
    assert main(["--course", str(REPO), "links", "--hub", "https://hub.example.edu",
                 "--repo", "https://github.com/school/course"]) == 0
    lines = capsys.readouterr().out.splitlines()
    released = sorted(p.name for p in (REPO / "release").iterdir() if p.is_dir())
    assert [line.split("\t")[0] for line in lines] == released
    assert all(f"release%2F{a}%2F{a}.ipynb" in line for a, line in zip(released, lines))


def test_the_command_refuses_a_module_that_is_not_released(capsys):
    assert main(["--course", str(REPO), "links", "--hub", "https://hub.example.edu",
                 "--repo", "https://github.com/school/course", "09-nothing"]) == 1
    assert "no module 09-nothing in release/" in capsys.readouterr().err
