"""The named questions over HTTP, answered from the real store built from the real corpus."""

from __future__ import annotations

import csv
import io
import json

import pytest

MASSIS = "massis-post"
KREMLIN_FEARS = "unidentified-outlet-unidentified-2025-07-23-kremlin-fears-war"
# Outlets whose articles do not attribute the crash to Russia: 000 and 003 (unidentified) and the
# translation of Tarasov's article (004), where Putin apologises that the event happened in
# Russian airspace without taking responsibility.
NOT_ATTRIBUTING = {
    "unidentified-outlet-unidentified-2025-06-11-will-putin-punish-aliyev",
    "unidentified-outlet-unidentified-2025-02-12-russia-losing-azerbaijan",
    "unidentified-outlet-unidentified-2025-tarasov-third-party-forces",
}


@pytest.fixture(scope="module")
def headline(client):
    response = client.get("/questions/attributions", params={"event": "azal-crash", "actor": "russia"})
    assert response.status_code == 200, response.text
    return response.json()


def by_outlet(answer):
    return {entry["outlet"]["slug"]: entry for entry in answer["results"]}


def test_headline_names_the_outlets_that_attribute_the_crash_to_russia(headline) -> None:
    outlets = by_outlet(headline)
    assert set(outlets) == {MASSIS, KREMLIN_FEARS}
    assert not NOT_ATTRIBUTING & set(outlets)
    assert headline["count"] == 2


def test_massis_post_reports_baku_accusing_moscow(headline) -> None:
    entry = by_outlet(headline)[MASSIS]
    assert entry["outlet"]["label"]
    assert [a["slug"] for a in entry["articles"]] == ["massis-post-2025-baku-moscow-rift"]
    [claim] = entry["claims"]
    assert claim["voice"] == "reported"
    assert claim["speaker"]["slug"] == "azerbaijani-government"
    assert [link["slug"] for link in claim["chain"]] == [MASSIS, "azerbaijani-government"]
    assert (claim["illocution"], claim["polarity"], claim["stance"]) == ("accuses", "positive", "affirms")
    assert claim["certainty"] == "certain"
    # "Moscow" resolves to the Russian government, a part of Russia: the roll-up finds it.
    assert claim["attributedTo"]["slug"] == "russian-government"
    assert claim["evidence"]["paraphrase"]


def test_the_kremlin_fears_article_reports_baku_and_frames_it_in_its_own_voice(headline) -> None:
    claims = by_outlet(headline)[KREMLIN_FEARS]["claims"]
    reported = [c for c in claims if c["voice"] == "reported"]
    assert [c["speaker"]["slug"] for c in reported] == ["azerbaijani-government"]
    assert all(c["chain"][0]["slug"] == KREMLIN_FEARS for c in claims)
    assert {c["voice"] for c in claims} <= {"own", "reported"}


def test_a_part_of_the_actor_alone_narrows_the_answer(client) -> None:
    answer = client.get("/questions/attributions", params={"event": "azal-crash", "actor": "russian-government"}).json()
    assert set(by_outlet(answer)) == {MASSIS}


def test_nobody_attributes_the_crash_to_azerbaijan(client) -> None:
    answer = client.get("/questions/attributions", params={"event": "azal-crash", "actor": "azerbaijan"}).json()
    assert answer["results"] == []


@pytest.mark.parametrize("params, status, words", [
    ({"event": "no-such-event", "actor": "russia"}, 404, "no event with slug 'no-such-event'"),
    ({"event": "azal-crash", "actor": "atlantis"}, 404, "no actor with slug 'atlantis'"),
    ({"event": "azal-crash"}, 400, "actor"),
    ({"event": 'azal-crash" } UNION { ?s ?p ?o } #', "actor": "russia"}, 400, "is not a slug"),
    ({"event": "azal-crash>", "actor": "russia"}, 400, "is not a slug"),
])
def test_bad_parameters_get_a_clear_error(client, params, status, words) -> None:
    response = client.get("/questions/attributions", params=params)
    assert response.status_code == status, response.text
    assert words in response.text


@pytest.mark.parametrize("text", ['") } UNION { ?entity ?property ?matched } #', "x> <y", "}"])
def test_free_text_is_bound_as_a_literal_never_pasted(client, text) -> None:
    response = client.get("/questions/search", params={"text": text})
    assert response.status_code == 200, response.text
    assert response.json()["results"] == []


def test_search_text_with_quotes_is_matched_literally(client) -> None:
    rows = client.get("/questions/search", params={"text": '"Z"'}).json()["results"]
    assert [r["slug"] for r in rows] == ["russian-z-bloggers"]


def test_search_finds_metonyms(client) -> None:
    rows = client.get("/questions/search", params={"text": "kremlin"}).json()["results"]
    assert "kremlin" in {r["slug"] for r in rows}
    rows = client.get("/questions/search", params={"text": "MOSCOW"}).json()["results"]
    assert "russian-government" in {r["slug"] for r in rows}


def test_speaker_question_includes_the_actors_parts(client) -> None:
    results = client.get("/questions/speaker", params={"actor": "russia", "limit": 1000}).json()["results"]
    speakers = {c["speaker"]["slug"] for c in results}
    assert {"maria-zakharova", "dmitry-peskov", "vladimir-putin"} <= speakers
    assert all(c["proposition"]["label"] for c in results)


def test_the_old_speaker_route_still_answers_but_is_not_listed(client) -> None:
    old = client.get("/questions/speaker-claims", params={"actor": "russia"}).json()
    assert old == client.get("/questions/speaker", params={"actor": "russia"}).json()
    assert "speaker-claims" not in {q["name"] for q in client.get("/questions").json()}


def test_event_claims_cover_every_article_that_mentions_the_crash(client) -> None:
    results = client.get("/questions/event-claims", params={"event": "azal-crash"}).json()["results"]
    articles = {c["article"]["slug"] for c in results}
    assert {"massis-post-2025-baku-moscow-rift", "unidentified-2025-07-23-kremlin-fears-war"} <= articles
    assert "denies" in {c["illocution"] for c in results} or len(articles) >= 3


def test_article_claims_come_with_their_chains(client) -> None:
    results = client.get("/questions/article-claims",
                         params={"article": "unidentified-2025-06-11-will-putin-punish-aliyev"}).json()["results"]
    relayed = [c for c in results if len(c["chain"]) > 2]
    assert relayed, "the RIA Novosti source is relayed through RIA Novosti"
    ria = next(c for c in relayed if "ria-novosti" in [link["slug"] for link in c["chain"]])
    assert ria["chain"][0]["slug"].startswith("unidentified-outlet-")
    assert ria["chain"][1]["slug"] == "ria-novosti"
    assert ria["voice"] == "reported"


def test_questions_are_listed_with_their_parameters(client) -> None:
    listing = client.get("/questions").json()
    names = [q["name"] for q in listing]
    assert names == sorted(names)
    assert {"attributions", "accusations", "event-claims", "speaker", "outlet", "contradictions", "corroboration",
            "timeline", "network", "search", "article-claims"} <= set(names)
    for q in listing:
        assert q["summary"] and q["description"] and q["path"] == f"/questions/{q['name']}"
        assert [p["name"] for p in q["params"]][-2:] == ["limit", "offset"]
    attributions = next(q for q in listing if q["name"] == "attributions")
    assert [p["name"] for p in attributions["params"]] == ["event", "actor", "limit", "offset"]
    limit = attributions["params"][2]
    assert (limit["type"], limit["default"], limit["minimum"], limit["maximum"], limit["paging"]) == \
        ("integer", 100, 1, 1000, True)
    network = next(q for q in listing if q["name"] == "network")
    assert network["params"][0] == {"name": "kind", "type": "choice", "choices": ["voice", "accuses"],
                                    "description": network["params"][0]["description"], "example": None,
                                    "required": False}


def test_csv_for_spreadsheets(client) -> None:
    response = client.get("/questions/attributions",
                          params={"event": "azal-crash", "actor": "russia", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    header, *lines = response.text.strip().splitlines()
    assert header.startswith("outlet,article,voice,speaker,chain")
    assert any(line.startswith("massis-post,") for line in lines)


def test_unknown_question_is_404(client) -> None:
    assert client.get("/questions/nothing-like-this").status_code == 404


def test_health_and_docs(client) -> None:
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    params = [p["name"] for p in spec["paths"]["/questions/attributions"]["get"]["parameters"]]
    assert {"event", "actor", "format"} <= set(params)


# ------------------------------------------------------------------- every question, three ways

EXAMPLES = {
    "accusations": {"accused": "russia"},
    "article-claims": {"article": "massis-post-2025-baku-moscow-rift"},
    "attributions": {"event": "azal-crash", "actor": "russia"},
    "contradictions": {},
    "corroboration": {"event": "azal-crash"},
    "event-claims": {"event": "azal-crash"},
    "network": {"kind": "voice"},
    "outlet": {"outlet": "massis-post"},
    "search": {"text": "ozturk"},
    "speaker": {"actor": "russia", "event": "azal-crash"},
    "timeline": {"since": "2024-12-01"},
}


def test_every_question_has_an_example() -> None:
    from claimgraph.queries.catalog import catalog
    assert set(EXAMPLES) == set(catalog())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_question_answers_json_and_csv(client, name) -> None:
    params = EXAMPLES[name]
    response = client.get(f"/questions/{name}", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    key = "edges" if name == "network" else "results"
    assert body["question"] == name and body["params"] == params
    assert body["count"] == len(body[key]) > 0 and body["total"] >= body["count"]
    assert (body["limit"], body["offset"]) == (100, 0)
    csv_response = client.get(f"/questions/{name}", params={**params, "format": "csv"})
    assert csv_response.headers["content-type"].startswith("text/csv")
    header, *lines = csv_response.text.strip().splitlines()
    assert lines and "," in header


def test_paging_over_http(client) -> None:
    whole = client.get("/questions/corroboration", params={"limit": 1000}).json()
    first = client.get("/questions/corroboration", params={"limit": 5}).json()
    second = client.get("/questions/corroboration", params={"limit": 5, "offset": 5}).json()
    assert first["results"] + second["results"] == whole["results"][:10]
    assert first["total"] == second["total"] == whole["total"] and first["count"] == 5
    csv_page = client.get("/questions/corroboration", params={"limit": 5, "format": "csv"}).text.strip().splitlines()
    assert len(csv_page) == 1 + 5


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"limit": "ten"}, {"offset": -1},
                                    {"only_single_outlet": "maybe"}])
def test_bad_paging_and_typed_parameters_are_refused(client, params) -> None:
    response = client.get("/questions/corroboration", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "parameter-error" and next(iter(params)) in response.json()["detail"]


def test_openapi_documents_typed_parameters(client) -> None:
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/questions/corroboration"]["get"]["parameters"]}
    def rules(schema):
        return {k: v for k, v in schema.items() if k not in ("title", "description", "examples")}

    assert rules(params["limit"]["schema"]) == {"type": "integer", "maximum": 1000, "minimum": 1}
    assert params["only_single_outlet"]["schema"]["type"] == "boolean"
    assert rules(params["event"]["schema"]) == {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                                "maxLength": 120}
    timeline = {p["name"]: p for p in spec["paths"]["/questions/timeline"]["get"]["parameters"]}
    assert rules(timeline["since"]["schema"]) == {"type": "string", "format": "date",
                                                  "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    search = {p["name"]: p for p in spec["paths"]["/questions/search"]["get"]["parameters"]}
    assert search["text"]["schema"]["minLength"] == 1 and search["text"]["required"]
    assert "/questions/speaker-claims" not in spec["paths"]


# ------------------------------------------------------------------------------ the command

def _cli(capsys, monkeypatch, corpus_store, *argv: str) -> str:
    from claimgraph.api.cli import main
    monkeypatch.setenv("COLUMNS", "240")
    assert main(["ask", *argv, "--store", str(corpus_store)]) == 0
    return capsys.readouterr().out


def test_cli_table_with_summaries_and_page(corpus_store, capsys, monkeypatch) -> None:
    out = _cli(capsys, monkeypatch, corpus_store, "event-claims", "--event", "azal-crash", "--limit", "3")
    lines = out.splitlines()
    assert [c.strip() for c in lines[0].split(" | ")][:5] == ["outlet", "article", "voice", "speaker", "chain"]
    assert len([line for line in lines[2:] if " | " in line]) == 3
    assert any(line.startswith("by stance: affirming ") for line in lines)
    assert out.rstrip().endswith("result(s) for event-claims --event azal-crash --limit 3")
    assert " of " in lines[-1]


def test_cli_json_is_the_api_answer(corpus_store, capsys, monkeypatch, client) -> None:
    out = _cli(capsys, monkeypatch, corpus_store, "contradictions", "--format", "json")
    assert json.loads(out) == client.get("/questions/contradictions").json()
    out = _cli(capsys, monkeypatch, corpus_store, "corroboration", "--only-single-outlet", "--limit", "4",
               "--format", "json")
    body = json.loads(out)
    assert body["params"] == {"only_single_outlet": True, "limit": 4}
    assert body == client.get("/questions/corroboration", params={"only_single_outlet": "true", "limit": 4}).json()


def test_cli_csv_network_and_timeline(corpus_store, capsys, monkeypatch) -> None:
    rows = list(csv.DictReader(io.StringIO(_cli(capsys, monkeypatch, corpus_store, "network", "--kind", "voice",
                                                "--format", "csv", "--limit", "1000"))))
    assert {"kind": "voice", "source": "azerbaijani-government", "target": "massis-post"}.items() <= \
        next(r for r in rows if r["source"] == "azerbaijani-government" and r["target"] == "massis-post").items()
    rows = list(csv.DictReader(io.StringIO(_cli(capsys, monkeypatch, corpus_store, "timeline", "--format", "csv",
                                                "--limit", "1000"))))
    order = [r["event"] for r in rows]
    assert order.index("second-karabakh-war") < order.index("azal-crash")
    assert rows[order.index("azal-crash")]["time_earliest"] == "2024-12-25"


def test_cli_search_and_bad_values(corpus_store, capsys, monkeypatch) -> None:
    out = _cli(capsys, monkeypatch, corpus_store, "search", "--text", "ozturk")
    assert "mustafa-ozturk" in out and "Öztürk" in out
    from claimgraph.api.cli import main
    assert main(["ask", "corroboration", "--limit", "0", "--store", str(corpus_store)]) == 1
    assert "limit must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["ask", "network", "--kind", "friends", "--store", str(corpus_store)])
