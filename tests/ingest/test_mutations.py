"""Reading never fails with anything but a problem that names its file (issue 12, point 10).

The valid example files, damaged at random (seeded, so a failure repeats): a field's value or key
replaced by one known to upset parsers, characters of YAML's syntax inserted, runs deleted,
bytes overwritten. Reading
and validating each corpus must either succeed or report problems, each naming a file; any
other exception is a traceback a curator would have seen.
"""

from __future__ import annotations

import random
import re
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
          b"|", b">", b"%", b"@", b"`", b"\t", b"\x00", b"\xff", b"\xc3", b"\\"]
#: Values put in place of a field's value: each has broken reading once, or could.
VALUES = [b"2025-02-30", b"2025-13-45", b"2025-02-29", b"2025-01-10T25:00:00", b"2025-01-10 10:00:00 +25:00",
          b"9" * 5000, b"1" + b"0" * 39, b"-1", b".inf", b".nan", b"yes", b"~", b"[]", b"{}", b"[" * 2000 + b"]" * 2000,
          b"*a", b"&a x", b"!!binary eA==", b"!!set {a}", b"!!python/name:os.system", b"!include x.yaml",
          b'"\\0"', b'"\\e[31m"', b'"\\x9b"', b'"\\ud800"', b"'https://x/a> \"b'", b"javascript:alert(1)",
          b"../../etc/passwd", b"{a: 1, a: 2}", b"[russia, russia]", b"c1", b"self", b"x" * 3000]
KEYS = [b"yes", b"1", b"~", b"? [a]\n ", b"2025-01-01", b"<<", b"part_of", b"links", b"via"]
MUTANTS = 400
FIELD = re.compile(rb"^( *(?:- )?)([A-Za-z_]+)(: ?)(.*)$", re.M)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four damages: a token inserted, a run deleted, a byte overwritten, a field's value
    or key replaced."""
    out = bytes(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out) or 1)
        roll = rng.random()
        fields = list(FIELD.finditer(out))
        if roll < 0.4 and fields:
            m = rng.choice(fields)
            if rng.random() < 0.8:
                out = out[:m.start(4)] + rng.choice(VALUES) + out[m.end(4):]
            else:
                out = out[:m.start(2)] + rng.choice(KEYS) + out[m.end(2):]
        elif roll < 0.65:
            out = out[:at] + rng.choice(TOKENS) + out[at:]
        elif roll < 0.85:
            out = out[:at] + out[at + rng.randint(1, 20):]
        elif out:
            out = out[:at] + bytes([rng.randrange(256)]) + out[at + 1:]
    return out


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
