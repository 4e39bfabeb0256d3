"""The version printed in exports is the project's version."""

import tomllib
from pathlib import Path

from awards_app.version import __version__


def test_the_version_matches_the_project_metadata():
    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert project["project"]["version"] == __version__
