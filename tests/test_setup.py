"""`make` recovers from an interrupted first set-up (issue 12, point 17).

Stopping the first `make serve` while the virtual environment is being created leaves a `.venv`
whose python runs no pip; every later `make` then failed with `No module named pip`. These tests
run the Makefile's own targets in a copy of it, on a `.venv` broken the ways an interruption
leaves one. They create real virtual environments (a few seconds each), so they are slow; they
install no packages (that needs the package index), but `make -n install` shows that the
packages would be installed into the new environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def make(project: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MAKEFLAGS", "MAKELEVEL")}
    env["PYTHON"] = sys._base_executable  # the interpreter this venv was made from, not the venv's
    return subprocess.run(["make", "--no-print-directory", "-C", str(project), *targets], env=env,
                          capture_output=True, text=True, timeout=300)


def pip_works(project: Path) -> bool:
    python = project / ".venv" / "bin" / "python"
    return python.exists() and subprocess.run([str(python), "-m", "pip", "--version"],
                                              capture_output=True).returncode == 0


def test_a_venv_without_pip_is_made_again_then_kept(project: Path) -> None:
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(project / ".venv")], check=True)
    (project / ".venv" / ".installed").touch()  # even the stamp of a finished set-up must not hide it
    assert not pip_works(project)

    plan = make(project, "-n", "install").stdout  # the packages would go into the new venv
    assert plan.index("-m venv .venv") < plan.index("pip install --quiet --disable-pip-version-check -c constraints.txt")
    done = make(project, "venv")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "is incomplete" in done.stdout
    assert pip_works(project)
    marker = project / ".venv" / "kept"
    marker.touch()
    again = make(project, "venv")
    assert again.returncode == 0 and "incomplete" not in again.stdout, again.stdout
    assert marker.exists()


def test_a_venv_without_python_is_made_again(project: Path) -> None:
    (project / ".venv" / "bin").mkdir(parents=True)  # stopped before the interpreter was linked
    (project / ".venv" / "pyvenv.cfg").write_text("home = /nowhere\n")

    done = make(project, "venv")

    assert done.returncode == 0, done.stdout + done.stderr
    assert pip_works(project)
