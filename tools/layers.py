"""Check the import contract of ``pyproject.toml`` (``[tool.importlinter]``) with import-linter.

    python -m tools.layers          # make layers; exit 0 when every contract is kept

The four folders are installed as ``claimgraph.<folder>`` by a package-dir mapping, which
import-linter cannot follow (it reads a package from one folder on disk). So the check runs on a
copy of the sources laid out as the installed package is: ``claimgraph/ontology/...``,
``claimgraph/queries/...``, plus ``tools/``. import-linter counts every import, at module level
or inside a function.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("ontology", "queries", "ingest", "api")


def lay_out(target: Path, root: Path = ROOT) -> None:
    """Copy the Python sources of ``root`` into ``target`` as the installed package is laid out."""
    (target / "claimgraph").mkdir(parents=True)
    (target / "claimgraph" / "__init__.py").write_text("")
    for folder, dest in [*((f, target / "claimgraph" / f) for f in FOLDERS), ("tools", target / "tools")]:
        for path in (root / folder).rglob("*.py"):
            copy = dest / path.relative_to(root / folder)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)


def check(extra: Mapping[str, str] | None = None, root: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``lint-imports`` on a laid-out copy; ``extra`` appends text to copied files (by their
    path in the copy, e.g. ``claimgraph/ontology/data.py``), to show that a contract bites."""
    with tempfile.TemporaryDirectory(prefix="claimgraph-layers-") as tmp:
        lay_out(Path(tmp), root)
        for name, text in (extra or {}).items():
            with (Path(tmp) / name).open("a", encoding="utf-8") as out:
                out.write(text)
        lint = Path(sys.executable).with_name("lint-imports")
        env = {**os.environ, "PYTHONPATH": tmp}
        return subprocess.run([str(lint), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=tmp,
                              env=env, capture_output=True, text=True, timeout=300)


def main() -> int:
    done = check()
    sys.stdout.write(done.stdout[done.stdout.find("Contracts"):] if "Contracts" in done.stdout else done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
