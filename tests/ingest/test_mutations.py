"""Reading never fails with anything but a problem that names its file (issue 12, point 10).

The valid example files, damaged at random (seeded, so a failure repeats): bytes inserted from
YAML's syntax and from values known to upset parsers, runs deleted, bytes overwritten. Reading
and validating each corpus must either succeed or report problems, each naming a file; any
other exception is a traceback a curator would have seen.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from claimgraph.ingest.integrity import corpus_problems
from claimgraph.ingest.load import read_articles, read_registry
from claimgraph.ontology.errors import Problem

EXAMPLES = Path(__file__).parent / "examples"
ARTICLE = (EXAMPLES / "valid" / "example-chain.yaml").read_bytes()
REGISTRY = (EXAMPLES / "registry" / "entities.yaml").read_bytes()
TOKENS = [b"[", b"]", b"{", b"}", b": ", b"- ", b"\n", b"  ", b"&a ", b"*a", b"!!", b"!x ", b"'", b'"', b"#", b"? ",
          b"|", b">", b"%", b"@", b"`", b"\t", b"\x00", b"\xff", b"\xc3", b"\\", b"2025-02-30", b"2025-13-45",
          b"9" * 5000, b"~", b"yes", b".inf", b"<<: ", b"---\n", b"...\n", b"\"\\ud800\"", b"\"\\e\"",
          b"[" * 200, b"https://x/>", b"part_of: [russia]"]
MUTANTS = 400


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out) or 1)
        roll = rng.random()
        if roll < 0.45:
            out[at:at] = rng.choice(TOKENS)
        elif roll < 0.75:
            del out[at:at + rng.randint(1, 20)]
        elif out:
            out[min(at, len(out) - 1)] = rng.randrange(256)
    return bytes(out)


@pytest.mark.parametrize("seed", range(4))
def test_damaged_files_give_problems_that_name_them(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    corpus = tmp_path / "corpus"
    for _ in range(MUTANTS // 4):
        registry_hit = rng.random() < 0.3
        shutil.rmtree(corpus, ignore_errors=True)
        (corpus / "articles").mkdir(parents=True)
        (corpus / "registry").mkdir()
        (corpus / "registry" / "entities.yaml").write_bytes(mutate(REGISTRY, rng) if registry_hit else REGISTRY)
        (corpus / "articles" / "a.yaml").write_bytes(ARTICLE if registry_hit else mutate(ARTICLE, rng))
        problems: list[Problem] = []
        registry = read_registry(corpus, problems)
        articles = read_articles(corpus, problems)
        problems.extend(corpus_problems(registry, articles))
        assert all(p.file and p.file.startswith("corpus/") for p in problems), problems
