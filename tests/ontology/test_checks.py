"""The SPARQL quality checks of ontology/checks/: well formed, each catches its fixture, and the
ontology and the real corpus pass every one of them."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from claimgraph.api.cli import main as cli
from claimgraph.ontology import checks
from claimgraph.queries.store import EmbeddedBackend

FIXTURES = Path(__file__).resolve().parent / "checks"
CHECKS = {c.name: c for c in checks.load_checks()}

#: Violations accepted in the real corpus, by check: none. A corpus violation is either fixed in
#: the corpus or listed here with the reason it is accepted.
ACCEPTED: dict[str, set[str]] = {}


def expected_nodes(path: Path) -> list[str]:
    return re.findall(r"^#\+ expect: (\S+)$", path.read_text("utf-8"), re.MULTILINE)


def test_checks_are_well_formed() -> None:
    assert len(CHECKS) >= 10
    empty = ox.Store()
    for check in CHECKS.values():
        assert check.summary and check.scope in checks.SCOPES
        result = empty.query(check.query)
        assert {"node", "message"} <= {v.value for v in result.variables}, check.name


def test_every_check_has_a_fixture_and_every_fixture_a_check() -> None:
    assert {p.stem for p in FIXTURES.glob("*.ttl")} == set(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_each_check_catches_its_fixture(name: str) -> None:
    path = FIXTURES / f"{name}.ttl"
    store = checks.build_store(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    violations = checks.run_check(store, CHECKS[name])
    assert len(violations) >= 1
    nodes = {v.node for v in violations}
    expected = expected_nodes(path)
    assert expected, f"{path.name} names no '#+ expect:' node"
    for iri in expected:
        assert f"<{iri}>" in nodes, (iri, violations)
    assert all(v.message for v in violations)


def test_the_ontology_and_shapes_pass_every_ontology_check() -> None:
    results = checks.run_checks(checks.build_store(), list(CHECKS.values()), with_data=False)
    assert set(results) == {n for n, c in CHECKS.items() if c.scope == "ontology"}
    assert {n: v for n, v in results.items() if v} == {}


def test_the_real_corpus_passes_every_check(corpus_store: Path) -> None:
    store = checks.build_store(EmbeddedBackend(corpus_store).quads())
    results = checks.run_checks(store, list(CHECKS.values()), with_data=True)
    assert set(results) == set(CHECKS)
    found = {n: {v.node for v in vs} for n, vs in results.items() if vs}
    assert found == ACCEPTED


def test_runner_exit_codes(corpus_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert checks.main([]) == 0
    assert "0 violation(s)" in capsys.readouterr().out
    assert cli(["check", "--quality", "--store", str(corpus_store)]) == 0
    assert checks.main(["--data", str(FIXTURES / "rollup-cycle.ttl"), "--only", "rollup-cycle"]) == 1
    out = capsys.readouterr().out
    assert "FAIL rollup-cycle" in out and "<https://example.org/claimgraph/id/ministry>" in out
    assert cli(["check", "--quality", "--store", str(tmp_path / "absent")]) == 2


def test_cli_check_quality(corpus_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["check", "--quality", "--store", str(corpus_store)]) == 0
    out = capsys.readouterr().out
    assert f"{len(CHECKS)} check(s), 0 violation(s)" in out
