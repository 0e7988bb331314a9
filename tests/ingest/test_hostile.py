"""Hostile corpus input (issue 12): every kind is refused by the real ``claimgraph ingest`` with
exit code 1, a message naming the file (and the line and field where there are ones), within a
time bound, and the store left byte for byte as it was.

Each case is the small valid corpus of ``examples/`` plus one bad thing. Most are files in
``examples/hostile/``, each starting with a header::

    # hostile: what it is (issue 12, point N)
    # place: articles/x.yml          where it goes in the corpus (default: articles/<its name>)
    # file: registry/entities.yaml   the file the problem is reported in (default: the place)
    # line: 5                        the line reported (omit when there is none)
    # field: article.published       the field reported (omit when there is none)
    # message: is not a date that exists

The rest are made here, because they cannot be committed (a named pipe, a symbolic link loop, a
50 MB value) or are easier to read as code (30,000 nested brackets).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent / "examples"
HOSTILE = EXAMPLES / "hostile"
#: Seconds one case may take, start-up included: a hang or a crash fails its case, not the suite.
TIMEOUT = 20
CLAIMGRAPH = Path(sys.executable).with_name("claimgraph")
VALID_ARTICLE = EXAMPLES / "valid" / "example-chain.yaml"


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    place: str
    message: str
    line: int | None = None
    field: str | None = None
    file: str | None = None
    make: Callable[[Path], None] | None = None  # writes the bad thing at corpus/<place>
    text: str | None = None  # or this text is written there
    env: dict[str, str] = dataclasses.field(default_factory=dict)

    def apply(self, corpus: Path) -> None:
        target = corpus / self.place
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.make is not None:
            self.make(target)
        else:
            assert self.text is not None
            target.write_text(self.text, encoding="utf-8")

    @property
    def where(self) -> str:
        """How the problem line must start: ``corpus/FILE[:LINE]: [FIELD: ]``."""
        at = f"corpus/{self.file or self.place}" + (f":{self.line}" if self.line is not None else "")
        return f"{at}: " + (f"{self.field}: " if self.field else "")


def _committed(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    header = dict(re.findall(r"^# (hostile|place|file|line|field|message): (.*)$", text, re.M))
    assert {"hostile", "message"} <= header.keys(), f"{path.name}: its header needs '# hostile:' and '# message:'"
    return Case(path.stem, header.get("place", f"articles/{path.name}"), header["message"],
                int(header["line"]) if "line" in header else None, header.get("field"), header.get("file"),
                text=text)


def _article(**replace: str) -> str:
    """The valid example article with some of its lines replaced (``key: value`` by key)."""
    text = VALID_ARTICLE.read_text(encoding="utf-8")
    for key, value in replace.items():
        text, n = re.subn(rf"^(\s*){key}: .*$", lambda m: f"{m[1]}{key}: {value}", text, count=1, flags=re.M)
        assert n == 1, key
    return text


def _write(text: str | bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(text.encode() if isinstance(text, str) else text)
    return make


def _symlink(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def _folder_with_article(path: Path) -> None:
    path.mkdir()
    shutil.copy(VALID_ARTICLE, path / "another.yaml")


def _nested_blocks(depth: int) -> str:
    return "".join(f"{'  ' * i}k:\n" for i in range(depth)) + f"{'  ' * depth}v\n"


GENERATED = [
    # point 10: no traceback, the file named
    Case("symlink-loop", "articles/loop.yaml", "a symbolic link that loops", make=_symlink("loop.yaml")),
    Case("dangling-symlink", "articles/gone.yaml", "which does not exist", make=_symlink("nowhere.yaml")),
    Case("folder-named-yaml", "articles/x.yaml", "a folder, not a YAML file", make=lambda p: p.mkdir()),
    Case("nesting-1000-deep", "articles/deep.yaml", "nested more than 32 levels deep", line=1,
         make=_write("a: " + "[" * 1000 + "]" * 1000)),
    Case("block-nesting-200-deep", "articles/deep.yaml", "nested more than 32 levels deep", line=33,
         field=".".join(["k"] * 32), make=_write(_nested_blocks(200))),
    # point 11: no segfault
    Case("30000-nested-brackets", "articles/brackets.yaml", "nested more than 32 levels deep", line=1,
         make=_write("[" * 30000 + "]" * 30000)),
    Case("30000-nested-braces", "articles/braces.yaml", "nested more than 32 levels deep", line=1,
         make=_write("{a: " * 30000 + "}" * 30000)),
    # point 12: no hang, nothing unbounded
    Case("fifo", "articles/f.yaml", "a named pipe, not a YAML file", make=os.mkfifo),
    Case("character-device", "articles/zero.yaml", "a character device, not a YAML file", make=_symlink("/dev/zero")),
    Case("50-mb-paraphrase", "articles/huge.yaml", "more than the 16777216 a corpus file may have",
         make=lambda p: p.write_text(_article(paraphrase="x" * 50_000_000))),  # made when the case runs
    Case("file-over-a-lowered-limit", "articles/example-chain.yaml", "more than the 1000 a corpus file may have",
         make=_write(_article(title="The same article, over a limit set lower")),
         env={"CLAIMGRAPH_CORPUS_MAX_FILE_BYTES": "1000"}),
    Case("parse-time-exceeded", "articles/slow.yaml", "took longer to parse than the CLAIMGRAPH_CORPUS_PARSE_SECONDS", line=1,
         make=_write("padding: [" + ", ".join(["1"] * 5000) + "]\n"), env={"CLAIMGRAPH_CORPUS_PARSE_SECONDS": "1e-9"}),
    # point 13: nothing silently skipped
    Case("yml-extension", "articles/other.yml", "rename it to other.yaml", make=_write(_article(slug="other"))),
    Case("upper-case-extension", "articles/OTHER.YAML", "rename it to OTHER.yaml", make=_write(_article(slug="other"))),
    Case("article-in-subfolder", "articles/2025", "a subfolder is not read", make=_folder_with_article),
    Case("hidden-article", "articles/.draft.yaml", "a hidden file is not read", make=_write(_article(slug="draft"))),
    Case("editor-backup", "articles/example-chain.yaml~", "not a corpus file", make=_write(_article())),
    Case("yaml-at-corpus-top", "extra.yaml", "a YAML file at the top of the corpus is not read",
         make=_write(_article(slug="extra"))),
    Case("unknown-corpus-folder", "article", "a folder that is not read", make=_folder_with_article),
    Case("registry-entry-in-subfolder", "registry/more", "a subfolder is not read",
         make=lambda p: (p.mkdir(), (p / "more.yaml").write_text("actors: []\n"))),
    Case("no-articles", "articles", "no YAML files in articles/", make=lambda p: shutil.rmtree(p) or p.mkdir()),
    # text that is not text
    Case("latin-1-file", "articles/latin.yaml", "not UTF-8 text", line=3,
         make=_write(_article(title="Caf\u00e9 au lait").encode("latin-1"))),
    Case("nul-byte-in-file", "articles/nul.yaml", "the character U+0000 is not allowed in a YAML file", line=35,
         make=_write(_article().replace("paraphrase: The outlet", "paraphrase: The\0outlet"))),
    Case("utf-16-file", "articles/wide.yaml", "not UTF-8 text", line=1,
         make=_write(_article(slug="wide").encode("utf-16"))),
    Case("number-of-5000-digits", "articles/digits.yaml", "is too long a number (5000 characters)", line=18,
         field="claims[0].paragraph", make=_write(_article(paragraph="9" * 5000))),
    # point 14: field and number limits
    Case("paraphrase-over-text-limit", "articles/long.yaml", "longer than the 2000 characters", line=17,
         field="claims[0].paraphrase", make=_write(_article(paraphrase="word " * 1000))),
    Case("slug-over-name-limit", "articles/long-slug.yaml", "longer than the 200 characters", line=2,
         field="article.slug", make=_write(_article(slug="a" * 5000))),
    Case("text-over-a-lowered-limit", "articles/example-chain.yaml", "30 characters, longer than the 29", line=3,
         field="article.title", make=_write(_article(title="A title over a limit set lower")),
         env={"CLAIMGRAPH_CORPUS_MAX_TEXT_LENGTH": "29"}),
]

CASES = sorted([_committed(p) for p in HOSTILE.glob("*.yaml")], key=lambda c: c.name) + GENERATED


def _copy_base(root: Path) -> Path:
    corpus = root / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    (corpus / "articles").mkdir(parents=True)
    shutil.copytree(EXAMPLES / "registry", corpus / "registry")
    shutil.copy(VALID_ARTICLE, corpus / "articles")
    return corpus


def _ingest(corpus: Path, store: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}
    return subprocess.run([str(CLAIMGRAPH), "ingest", str(corpus), "--store", str(store)], cwd=corpus.parent,
                          env=clean | (env or {}), capture_output=True, text=True, timeout=TIMEOUT)


def snapshot(store: Path) -> tuple[str, dict[str, str], list[str]]:
    """The store's link target, a hash of every file of the version it points at, and the
    entries beside the store (no leftover version or building folder)."""
    target = os.readlink(store)
    version = store.parent / target
    hashes = {str(p.relative_to(version)): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in sorted(version.rglob("*")) if p.is_file()}
    assert hashes, f"the store version {version} holds no files"
    return target, hashes, sorted(p.name for p in store.parent.iterdir())


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store ingested by the real command from the valid corpus every case starts from."""
    root = tmp_path_factory.mktemp("hostile")
    store = root / "data" / "store"
    done = _ingest(_copy_base(root), store)
    assert done.returncode == 0, done.stderr
    return store


def test_cases_are_many_and_distinct() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 60, len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_refused_and_the_store_untouched(case: Case, hostile_store: Path, tmp_path: Path) -> None:
    corpus = _copy_base(tmp_path)
    case.apply(corpus)
    before = snapshot(hostile_store)
    try:
        done = _ingest(corpus, hostile_store, case.env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"claimgraph ingest did not finish within {TIMEOUT} s")
    err = done.stderr
    assert done.returncode == 1, f"exit code {done.returncode}\n{err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    assert "nothing was written" in err, err[-3000:]
    problems = [line.strip() for line in err.splitlines() if line.startswith("  ")]
    assert any(p.startswith(case.where) and case.message in p for p in problems), \
        f"no problem starting {case.where!r} and saying {case.message!r} in:\n" + "\n".join(problems)
    assert snapshot(hostile_store) == before
