"""The import contract (``[tool.importlinter]`` in pyproject.toml) holds, and it would catch a
wrong-way import, even one inside a function."""

from __future__ import annotations

from tools.layers import check


def test_every_import_points_down_the_layers() -> None:
    done = check()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_wrong_way_import_inside_a_function_breaks_the_contract() -> None:
    probe = "\n\ndef _probe():\n    from claimgraph.queries import run\n    return run\n"
    done = check({"claimgraph/ontology/data.py": probe})
    assert done.returncode != 0
    assert "claimgraph.ontology.data -> claimgraph.queries.run" in done.stdout


def test_the_package_may_not_import_the_tooling() -> None:
    probe = "\n\ndef _probe():\n    import tools.bench\n    return tools.bench\n"
    done = check({"claimgraph/api/cli.py": probe})
    assert done.returncode != 0
    assert "claimgraph.api.cli -> tools.bench" in done.stdout
