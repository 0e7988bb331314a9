"""The analyst's web over HTTP (no browser): resource IRIs by content negotiation, the service and
dataset descriptions, CORS, ETag/304, pages and their CSV, on the real corpus store."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

from claimgraph.api.app import create_app
from claimgraph.queries.settings import Settings

ID = "https://w3id.org/claimgraph/id/"
CG = Namespace("https://w3id.org/claimgraph/ontology#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CLAIM = "claim/massis-post-2025-baku-moscow-rift/b01"


def test_an_actor_iri_resolves_to_html_for_people(client: TestClient) -> None:
    r = client.get("/id/actor/russia", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Russia</h1>" in r.text
    assert 'href="/id/actor/russian-government"' in r.text  # a part, linked by its page
    assert "Accept" in r.headers["vary"].split(", ")
    links = r.headers["link"]
    for media_type, name in (("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
                             ("application/n-triples", "nt"), ("text/html", "html")):
        assert f'</id/actor/russia?format={name}>; rel="alternate"; type="{media_type}"' in links


@pytest.mark.parametrize("accept, media_type, rdflib_format", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/n-triples;q=0.4, text/turtle;q=0.9", "text/turtle", "turtle"),
])
def test_machines_get_exactly_the_type_they_ask_for(client: TestClient, accept, media_type, rdflib_format) -> None:
    r = client.get(f"/id/{CLAIM}", headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media_type
    g = Graph().parse(data=r.content, format=rdflib_format)
    me = URIRef(ID + CLAIM)
    assert (me, RDF.type, CG.ClaimAct) in g
    speaker = g.value(me, CG.speaker)
    assert speaker == URIRef(ID + "actor/azerbaijani-government")
    assert g.value(speaker, RDFS.label) == Literal("Government of Azerbaijan")  # labels of what it links to
    assert str(g.value(me, CG.reportedIn)).startswith(ID + CLAIM + "/relay-")  # reported: its chain
    russia = Graph().parse(data=client.get("/id/actor/russia", headers={"Accept": accept}).content, format=rdflib_format)
    assert (URIRef(ID + "actor/russian-government"), CG.partOf, URIRef(ID + "actor/russia")) in russia  # what points at it


def test_the_format_parameter_overrides_accept_and_anything_else_is_406(client: TestClient) -> None:
    r = client.get("/id/event/azal-crash?format=ttl", headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/turtle")
    assert r.headers["content-location"] == "/id/event/azal-crash?format=ttl"
    for accept in ("application/rdf+xml", "application/json", "image/png", "text/turtle;q=0"):
        r = client.get("/id/event/azal-crash", headers={"Accept": accept})
        assert r.status_code == 406, accept
        assert "text/turtle" in r.json()["detail"]
    assert client.get("/id/event/azal-crash?format=xml").status_code == 406


def test_an_unknown_iri_is_404_in_the_requested_form(client: TestClient) -> None:
    r = client.get("/id/actor/nobody-at-all", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "no resource" in r.text and r.headers["content-type"].startswith("text/html")
    r = client.get("/id/actor/nobody-at-all", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and r.json()["error"] == "not-found"
    assert client.get("/id/actor/with%20space", headers={"Accept": "text/turtle"}).status_code == 404


def test_every_kind_of_minted_iri_resolves(client: TestClient, backend) -> None:
    """One IRI of each kind ingestion mints (entities, articles, claims, relays, propositions,
    curations, curators) has a page and machine forms."""
    _, rows = backend.select("""SELECT (SAMPLE(?s) AS ?x) WHERE { ?s ?p ?o
        FILTER(STRSTARTS(STR(?s), "https://w3id.org/claimgraph/id/"))
        BIND(REPLACE(STR(?s), "^https://w3id.org/claimgraph/id/([a-z]+)/.*$", "$1") AS ?kind)
        BIND(CONTAINS(STR(?s), "/relay-") AS ?relay) } GROUP BY ?kind ?relay""", {})
    found = sorted(row["x"].value for row in rows)
    kinds = {re.sub(r"^" + ID + r"([a-z]+)/.*$", r"\1", iri) + ("-relay" if "/relay-" in iri else "") for iri in found}
    assert kinds >= {"actor", "event", "place", "article", "claim", "claim-relay", "proposition", "curation", "curator"}
    for iri in found:
        path = "/id/" + iri[len(ID):]
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200, (path, page.text[:300])
        assert "<h1>" in page.text and f"<h1>{iri}</h1>" not in page.text
        nt = client.get(path, headers={"Accept": "application/n-triples"})
        assert nt.status_code == 200 and f"<{iri}>" in nt.text


def test_a_claim_page_shows_its_chain_evidence_article_and_confidence(client: TestClient) -> None:
    answer = client.get("/questions/article-claims", params={"article": "massis-post-2025-baku-moscow-rift"}).json()
    claim = next(c for c in answer["results"] if c["claim"].endswith("/b01"))
    page = client.get(f"/id/{CLAIM}", headers={"Accept": "text/html"}).text
    drawn = re.findall(r'<g class="chain-link" data-slug="([^"]+)"', page)
    assert drawn == [link["slug"] for link in claim["chain"]] and len(drawn) >= 2
    assert claim["evidence"]["paraphrase"].replace("'", "&#39;") in page
    assert claim["article"]["title"].replace("–", "–") in page
    assert "Curator's confidence</dt><dd>" + claim["analystConfidence"] in page
    assert "Speaker's certainty</dt><dd>" + claim["certainty"] in page


def test_base_url_maps_the_w3id_base_to_the_deployment(corpus_store) -> None:
    app = create_app(Settings(store=corpus_store, base_url="https://claims.example.org/cg/"))
    with TestClient(app) as c:
        r = c.get("/id/actor/russia", headers={"Accept": "text/html"})
        assert 'href="https://claims.example.org/cg/id/actor/russian-government"' in r.text
        assert '<https://claims.example.org/cg/id/actor/russia?format=ttl>; rel="alternate"' in r.headers["link"]
        g = Graph().parse(data=c.get("/id/actor/russia?format=ttl").text, format="turtle")
        assert (URIRef(ID + "actor/russia"), RDFS.label, Literal("Russia")) in g  # the data keeps its IRIs
        sd = Graph().parse(data=c.get("/sparql", headers={"Accept": "text/turtle"}).text, format="turtle")
        assert (URIRef("https://claims.example.org/cg/sparql"), RDF.type, SD.Service) in sd


def test_sparql_without_a_query_describes_the_service_or_opens_the_editor(client: TestClient, backend) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    [service] = g.subjects(RDF.type, SD.Service)
    assert str(service).endswith("/sparql") and (service, SD.endpoint, service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    formats = {str(f).rsplit("/", 1)[-1] for f in g.objects(service, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "Turtle", "JSON-LD"} <= formats
    names = {str(n) for n in g.objects(None, SD.name)}
    _, rows = backend.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", {})
    assert names == {row["g"].value for row in rows}
    page = client.get("/sparql", headers={"Accept": BROWSER})
    assert page.status_code == 200 and "yasgui.min.js" in page.text
    examples = json.loads(re.search(r'id="sparql-examples">(.*?)</script>', page.text, re.S).group(1))
    assert {e["name"] for e in examples} >= {"attributions", "network", "search"}
    headline = next(e for e in examples if e["name"] == "attributions")
    assert "VALUES" in headline["query"] and "azal-crash" in headline["query"]
    # the example, as it stands, runs on the endpoint and answers
    r = client.post("/sparql", data={"query": headline["query"]}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.json()["results"]["bindings"]
    assert client.get("/sparql").status_code == 400  # neither asked for: a query is missing, as before


def test_void_describes_the_dataset(client: TestClient, backend) -> None:
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    [dataset] = [d for d in g.subjects(RDF.type, VOID.Dataset) if (d, VOID.sparqlEndpoint, None) in g]
    _, rows = backend.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {})
    assert int(g.value(dataset, VOID.triples)) == int(rows[0]["n"].value)
    assert str(g.value(dataset, VOID.uriSpace)) == ID
    classes = {g.value(p, VOID["class"]): int(g.value(p, VOID.entities)) for p in g.objects(dataset, VOID.classPartition)}
    assert classes[CG.Article] == 5 and classes[CG.ClaimAct] > 50
    _, graphs = backend.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", {})
    assert {str(s) for s in g.objects(dataset, VOID.subset)} == {row["g"].value for row in graphs}
    assert client.get("/.well-known/void", headers={"Accept": "application/ld+json"}).status_code == 200
    assert client.get("/.well-known/void", headers={"Accept": "text/html"}).status_code == 406


def test_cors_any_origin_without_credentials_with_etag_exposed(client: TestClient) -> None:
    r = client.get("/questions/search", params={"text": "kreml"}, headers={"Origin": "https://dash.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    assert "etag" in r.headers["access-control-expose-headers"].lower()
    pre = client.options("/sparql", headers={"Origin": "https://dash.example", "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "*"
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://dash.example"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_a_setting_restricts_cors_origins(corpus_store) -> None:
    with TestClient(create_app(Settings(store=corpus_store, cors_origins=("https://ok.example",)))) as c:
        ok = c.get("/questions/search", params={"text": "kreml"}, headers={"Origin": "https://ok.example"})
        assert ok.headers["access-control-allow-origin"] == "https://ok.example"
        other = c.get("/questions/search", params={"text": "kreml"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    with TestClient(create_app(Settings(store=corpus_store, cors_origins=()))) as c:
        assert "access-control-allow-origin" not in c.get("/health", headers={"Origin": "https://ok.example"}).headers


@pytest.mark.parametrize("path, accept", [
    ("/questions/attributions?event=azal-crash&actor=russia", "application/json"),
    ("/questions/network?format=csv", "*/*"),
    ("/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201", "application/sparql-results+json"),
    ("/", BROWSER),
    ("/attributions?event=azal-crash&actor=russia", BROWSER),
    ("/id/actor/russia", "text/turtle"),
    ("/.well-known/void", "text/turtle"),
])
def test_answers_and_pages_carry_etag_and_cache_control_and_answer_304(client: TestClient, path, accept) -> None:
    first = client.get(path, headers={"Accept": accept})
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag)
    assert first.headers["cache-control"] == "public, max-age=60"
    assert "Accept" in first.headers["vary"]
    again = client.get(path, headers={"Accept": accept, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get(path, headers={"Accept": accept, "If-None-Match": '"other"'}).status_code == 200
    head = client.head(path, headers={"Accept": accept})  # HEAD: the GET's status and headers, no body
    assert head.status_code == 200 and head.content == b""
    assert {k: head.headers.get(k) for k in ("etag", "cache-control", "vary", "content-type", "content-length")} == \
        {k: first.headers.get(k) for k in ("etag", "cache-control", "vary", "content-type", "content-length")}
    assert client.head(path, headers={"Accept": accept, "If-None-Match": tag}).status_code == 304
    other = client.get(path, headers={"Accept": "text/csv, */*;q=0.1"})
    assert other.status_code != 200 or other.headers.get("etag") != tag  # another Accept, another representation


def test_errors_get_no_etag(client: TestClient) -> None:
    r = client.get("/questions/attributions", params={"event": "no-such-event", "actor": "russia"})
    assert r.status_code == 404 and "etag" not in r.headers
    assert "etag" not in client.get("/health").headers


def test_the_etag_follows_the_store_version(corpus_store) -> None:
    """The key is (store version, request), the version being the store interface's
    ``Backend.version()``: a different version, a different tag; a store that is not an ingestion
    version gets a tag from its body and no-cache."""
    import os
    from pathlib import Path

    from claimgraph.api import http_cache
    from claimgraph.queries.store import EmbeddedBackend
    version = EmbeddedBackend(corpus_store).version()
    assert version == os.path.basename(os.path.realpath(corpus_store)) and ".v-" in version
    # the same store opened as a plain folder, not through the store link: no version
    plain = EmbeddedBackend(Path(os.path.realpath(corpus_store)))
    assert plain.version() is None
    with TestClient(create_app(Settings(store=corpus_store), backend=plain)) as c:
        r = c.get("/questions/search", params={"text": "kreml"})
        assert r.headers["cache-control"] == "no-cache"
        tag = r.headers["etag"]
        assert c.get("/questions/search", params={"text": "kreml"}, headers={"If-None-Match": tag}).status_code == 304
        head = c.head("/questions/search", params={"text": "kreml"})
        assert head.status_code == 200 and head.headers["etag"] == tag and head.content == b""
        assert "etag" not in c.get("/export", params={"format": "nquads"}).headers  # streamed: no digest
    keys = {http_cache.request_key(v, "code", "/questions/search", b"text=kreml", "*/*") for v in ("a", "b")}
    assert len(keys) == 2


def test_every_dashboard_table_downloads_as_csv(client: TestClient) -> None:
    answer = client.get("/questions/attributions", params={"event": "azal-crash", "actor": "russia"}).json()
    r = client.get("/attributions", params={"event": "azal-crash", "actor": "russia", "csv": "matrix"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["Outlet"] for row in rows] == [e["outlet"]["label"] for e in answer["results"]]
    claims = list(csv.DictReader(io.StringIO(client.get(
        "/attributions", params={"event": "azal-crash", "actor": "russia", "csv": "claims"}).text)))
    assert len(claims) == sum(len(e["claims"]) for e in answer["results"])
    for path, table in (("/", "articles"), ("/network", "edges"), ("/timeline", "events"),
                        ("/contradictions", "pairs"), ("/contradictions", "corroboration"),
                        ("/search?text=russia", "results"), ("/id/event/azal-crash", "claims"),
                        ("/id/event/azal-crash", "speakers"), ("/id/actor/russia", "claims"),
                        ("/id/actor/russia", "links")):
        r = client.get(path + ("&" if "?" in path else "?") + "csv=" + table, headers={"Accept": "text/html"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), (path, table)
        assert len(r.text.splitlines()) >= 2, (path, table)
    assert client.get("/", params={"csv": "nothing"}).status_code == 404


def test_tables_page_and_the_pages_add_up(client: TestClient) -> None:
    total = client.get("/questions/timeline").json()["total"]
    seen = []
    for offset in range(0, total, 4):
        r = client.get("/timeline", params={"csv": "events", "limit": 4, "offset": offset})
        seen += [row["Event"] for row in csv.DictReader(io.StringIO(r.text))]
    whole = [row["Event"] for row in csv.DictReader(io.StringIO(client.get("/timeline", params={"csv": "events"}).text))]
    assert seen == whole and len(whole) == total


def test_a_table_downloads_whole_as_well_as_by_page(client: TestClient) -> None:
    """A paged table offers its page and the whole table (one question, its first MAX_LIMIT rows)."""
    answer = client.get("/questions/timeline", params={"limit": 1000}).json()
    page = client.get("/timeline", params={"limit": 4, "offset": 4}, headers={"Accept": "text/html"}).text
    assert "Download this page (CSV)" in page and f"Download all {answer['total']} rows (CSV)" in page
    link = html.unescape(re.search(r'<a class="csv" href="([^"]*rows=all[^"]*)"', page).group(1))
    assert "offset" not in link and "limit" not in link
    whole = client.get(link)
    assert whole.status_code == 200 and whole.headers["content-disposition"].endswith('-events-all.csv"')
    assert "x-claimgraph-truncated" not in whole.headers
    assert [row["Event"] for row in csv.DictReader(io.StringIO(whole.text))] == [e["label"] for e in answer["results"]]
    # the claims behind the matrix, one outlet a page: whole, they are every outlet's claims
    headline = {"event": "azal-crash", "actor": "russia"}
    everything = client.get("/questions/attributions", params=headline).json()
    assert everything["total"] > 1
    claims = client.get("/attributions", params={**headline, "limit": 1, "csv": "claims", "rows": "all"})
    assert len(list(csv.DictReader(io.StringIO(claims.text)))) == sum(len(e["claims"]) for e in everything["results"])
    one = client.get("/attributions", params={**headline, "limit": 1, "csv": "claims"})
    assert len(list(csv.DictReader(io.StringIO(one.text)))) == len(everything["results"][0]["claims"])


def test_a_whole_download_past_the_cap_says_so() -> None:
    from starlette.requests import Request

    from claimgraph.api.web.render import Column, Page, Table, respond
    from claimgraph.queries.catalog import MAX_LIMIT
    table = Table("t", "T", (Column("n", "N"),), [{"n": i} for i in range(MAX_LIMIT)], total=2345, limit=MAX_LIMIT)
    assert table.whole == f"the first {MAX_LIMIT} of 2345 rows"
    page = Page("home.html", "T")
    page.add(table)
    request = Request({"type": "http", "method": "GET", "path": "/x", "query_string": b"csv=t&rows=all", "headers": []})
    r = respond(request, page)
    assert r.headers["x-claimgraph-truncated"] == f"max-rows={MAX_LIMIT}"
    assert r.headers["content-disposition"].endswith(f'x-t-first-{MAX_LIMIT}.csv"')
    assert len(r.body.decode().splitlines()) == MAX_LIMIT + 1
    assert Table("u", "U", (), [{}], total=1, limit=25).whole is None  # one page holds it all


@pytest.mark.parametrize("path", ["/", "/attributions?event=azal-crash&actor=russia", "/network", "/timeline",
                                  "/contradictions", "/search?text=moscow", "/id/event/azal-crash",
                                  "/id/actor/russia", f"/id/{CLAIM}", "/id/article/massis-post-2025-baku-moscow-rift"])
def test_labels_never_bare_iris(client: TestClient, path) -> None:
    """A page names things by their labels: a minted IRI appears only as the resource's own IRI
    line and in links, never as the text of a cell or a link."""
    page = client.get(path, headers={"Accept": "text/html"}).text
    text = re.sub(r"<code>[^<]*</code>", "", re.sub(r"<script.*?</script>", "", page, flags=re.S))
    shown = re.sub(r"<[^>]+>", " ", text)
    assert "w3id.org/claimgraph/" not in shown, re.findall(r".{60}w3id\.org/claimgraph/.{40}", shown)[:3]


def test_bad_page_parameters_are_explained_in_the_page(client: TestClient) -> None:
    r = client.get("/attributions", params={"event": "no-such-event", "actor": "russia"}, headers={"Accept": "text/html"})
    assert r.status_code == 404 and "no event with slug" in r.text
    r = client.get("/attributions", params={"event": "Not A Slug", "actor": "russia"})
    assert r.status_code == 400 and "not a slug" in r.text


def test_autocomplete_suggests_through_the_search_question(client: TestClient) -> None:
    r = client.get("/suggest", params={"type": "actor", "field": "actor", "actor": "kreml"})
    assert '<option value="kremlin">' in r.text
    r = client.get("/suggest", params={"type": "event", "field": "event", "event": "azal"})
    assert 'value="azal-crash"' in r.text


def test_vendored_assets_match_their_manifest_and_pages_load_nothing_else() -> None:
    import subprocess
    import sys
    from pathlib import Path

    from claimgraph.api.web.render import STATIC, vendored_packages
    root = Path(__file__).resolve().parents[2]
    check = subprocess.run([sys.executable, "tools/vendor_web.py", "--check"], cwd=root, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    for entry in vendored_packages():
        assert (STATIC / "vendor" / entry["folder"] / "LICENSE").is_file() and entry["licence"], entry["name"]
    templates = Path(STATIC).parent / "templates"
    for template in templates.glob("*.html"):
        for url in re.findall(r'(?:src|href)="(https?:[^"]+)"', template.read_text()):
            raise AssertionError(f"{template.name} loads {url}")
