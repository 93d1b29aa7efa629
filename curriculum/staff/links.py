"""``curriculum links``: one nbgitpuller link per module, so a student opens a module with one click.

An nbgitpuller link (``<hub>/hub/user-redirect/git-pull?repo=...&branch=...&urlpath=...``) makes the
student's JupyterHub server clone the course repository (or pull it, keeping the student's own
changes), then opens the module's student notebook from ``release/`` in JupyterLab. nbgitpuller puts
the clone in a folder named after the repository, which is where ``urlpath`` points.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

__all__ = ["module_link", "module_links", "repository_folder"]


def _http_url(url: str, what: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{what} {url!r} is not an http(s) address; give one such as https://hub.example.edu")
    if parts.query or parts.fragment:
        raise ValueError(f"{what} {url!r} has a query or fragment; give the plain address")
    return url.strip().rstrip("/")


def repository_folder(repo: str) -> str:
    """The folder nbgitpuller clones ``repo`` into: the last part of its path, without ``.git``."""
    name = urlsplit(repo).path.rstrip("/").rsplit("/", 1)[-1]
    name = name[:-4] if name.endswith(".git") else name
    if not name:
        raise ValueError(f"repository {repo!r} has no name in its path; give e.g. https://github.com/school/course")
    return name


def module_link(hub: str, repo: str, assignment: str, branch: str = "main") -> str:
    """The nbgitpuller link that opens ``release/<assignment>/<assignment>.ipynb`` in JupyterLab."""
    hub, repo = _http_url(hub, "hub"), _http_url(repo, "repository")
    if not branch or any(c.isspace() for c in branch):
        raise ValueError(f"branch {branch!r} is not a branch name")
    notebook = f"{repository_folder(repo)}/release/{assignment}/{assignment}.ipynb"
    query = urlencode({"repo": repo, "branch": branch, "urlpath": f"lab/tree/{notebook}"})
    return f"{hub}/hub/user-redirect/git-pull?{query}"


def module_links(hub: str, repo: str, assignments: list[str], branch: str = "main") -> list[tuple[str, str]]:
    """(assignment, link) for each assignment, in order."""
    return [(a, module_link(hub, repo, a, branch)) for a in assignments]
