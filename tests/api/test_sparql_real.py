"""/sparql on the real store built from the real corpus: each result format, and refusals."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

HEADLINE_SELECT = """
PREFIX cg: <https://w3id.org/claimgraph/ontology#>
SELECT ?outlet (COUNT(?claim) AS ?n) WHERE {
  ?claim cg:content ?p ; cg:inArticle ?a .
  ?p a cg:ResponsibilityProposition ; cg:aboutEvent <https://w3id.org/claimgraph/id/event/azal-crash> .
  ?a cg:outlet/cg:slug ?outlet .
} GROUP BY ?outlet ORDER BY ?outlet
"""
EXPECTED = ["massis-post", "unidentified-outlet-unidentified-2025-07-23-kremlin-fears-war"]


def outlets_from(media_type: str, body: str) -> list[str]:
    if media_type == "application/sparql-results+json":
        return [b["outlet"]["value"] for b in json.loads(body)["results"]["bindings"]]
    if media_type == "application/sparql-results+xml":
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        return [e.text for e in ET.fromstring(body).iterfind(".//r:binding[@name='outlet']/r:literal", ns)]
    if media_type == "text/csv":
        return [row["outlet"] for row in csv.DictReader(io.StringIO(body))]
    if media_type == "text/tab-separated-values":
        lines = body.strip().splitlines()
        col = lines[0].split("\t").index("?outlet")
        return [json.loads(line.split("\t")[col]) for line in lines[1:]]  # TSV literals are quoted
    raise AssertionError(media_type)


@pytest.mark.parametrize("media_type", ["application/sparql-results+json", "application/sparql-results+xml",
                                        "text/csv", "text/tab-separated-values"])
def test_select_in_each_format_on_the_corpus(client, media_type) -> None:
    response = client.post("/sparql", data={"query": HEADLINE_SELECT}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    assert outlets_from(media_type, response.text) == EXPECTED


def test_construct_as_turtle_parses_back(client) -> None:
    from rdflib import Graph
    query = ("PREFIX cg: <https://w3id.org/claimgraph/ontology#> CONSTRUCT { ?a cg:outlet ?o } "
             "WHERE { ?a cg:outlet ?o }")
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert len(Graph().parse(data=response.text, format="turtle")) == 5


@pytest.mark.parametrize("body, content_type", [
    ("update=DROP ALL", "application/x-www-form-urlencoded"),
    ("DELETE WHERE { ?s ?p ?o }", "application/sparql-update"),
    ("query=" + "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/x-www-form-urlencoded"),
])
def test_updates_are_refused_and_the_corpus_stays(client, body, content_type) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = client.post("/sparql", data={"query": count}).json()["results"]["bindings"][0]["n"]["value"]
    response = client.post("/sparql", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 403, response.text
    assert "read-only" in response.json()["detail"] or "update" in response.json()["detail"].lower()
    after = client.post("/sparql", data={"query": count}).json()["results"]["bindings"][0]["n"]["value"]
    assert before == after
