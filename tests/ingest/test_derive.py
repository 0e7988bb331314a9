"""Derived facts: the rules of ontology/rules/, the ontology terms they make, and what they give on
the real corpus (each fact compared with the join it replaces, asked of the whole store)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from claimgraph import ontology
from claimgraph.ingest.derive import read_rule, rules
from claimgraph.ontology import iris
from claimgraph.ontology.errors import CorpusError
from claimgraph.ontology.namespace import CG

DERIVED_BY = URIRef(str(CG.derivedBy))
PREFIX = "PREFIX cg: <https://w3id.org/claimgraph/ontology#>\n"


def test_every_rule_derives_ontology_terms_that_name_it() -> None:
    source = Graph().parse(ontology.SOURCE, format="turtle")
    named = {str(term): str(value) for term, value in source.subject_objects(DERIVED_BY)}
    made = {str(getattr(CG, term)): f"ontology/rules/{rule.path.name}" for rule in rules() for term in rule.derives}
    assert made == named  # each derived term names its rule, and each rule derives only those
    assert len(rules()) >= 8 and all(rule.summary and rule.reads for rule in rules())


def test_a_rule_that_makes_an_undeclared_term_names_its_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text('#+ summary: "x"\n#+ derives: [stance]\n' + PREFIX
                   + "CONSTRUCT { ?c cg:voice ?v } WHERE { ?c cg:content ?v }\n")
    with pytest.raises(CorpusError, match=r"ontology/rules/bad.rq: its template makes"):
        read_rule(bad)
    bad.write_text('#+ summary: "x"\n#+ derives: [noSuchTerm]\n' + PREFIX + "CONSTRUCT {} WHERE {}\n")
    with pytest.raises(CorpusError, match="cg:noSuchTerm, which the ontology does not declare"):
        read_rule(bad)


# On the corpus store: each derived fact is exactly what the join it replaces finds over the whole
# store (the questions' own definitions before they read the derived graphs).
JOINS = {
    "claimOutlet": "?claim cg:inArticle/cg:outlet ?value .",
    "voice": "?claim cg:content ?p . OPTIONAL { ?claim cg:reportedIn ?up } BIND(IF(BOUND(?up), 'reported', 'own') AS ?value)",
    "stance": """?claim cg:content ?p ; cg:illocution ?i ; cg:polarity ?pol .
                 BIND(IF(?i = cg:illocution-questions, 'questioning',
                         IF(?pol = cg:polarity-negative, 'denying', 'affirming')) AS ?value)""",
    "speaksFor": "?claim cg:speaker ?s . ?s (cg:partOf|cg:represents)* ?value .",
    "affiliatedVoiceOf": """?claim cg:speaker/cg:affiliatedWith/(cg:partOf|cg:represents)* ?value .
                            FILTER NOT EXISTS { ?claim cg:speaker/(cg:partOf|cg:represents)* ?value }""",
    "affirmsCore": """?claim cg:content/cg:core ?value ; cg:polarity cg:polarity-positive ; cg:illocution ?i .
                      FILTER(?i != cg:illocution-questions)""",
    "deniesCore": """?claim cg:content/cg:core ?value ; cg:polarity cg:polarity-negative ; cg:illocution ?i .
                     FILTER(?i != cg:illocution-questions)""",
    "accuses": """?claim cg:content ?p ; cg:polarity cg:polarity-positive ; cg:illocution ?i .
                  { ?p a cg:ResponsibilityProposition ; cg:agent ?value } UNION { ?p a cg:AccusationProposition ; cg:accused ?value }
                  FILTER(?i != cg:illocution-questions)""",
    "chargesWithin": """?claim cg:content ?p . ?p cg:agent|cg:accused ?a . ?a (cg:partOf|cg:represents)* ?value .
                        ?p a ?class . FILTER(?class IN (cg:ResponsibilityProposition, cg:AccusationProposition))""",
    "concernsEvent": """?claim (cg:content/(cg:aboutEvent|cg:subject|cg:object|cg:causeEvent))|cg:mentionOf ?value .
                        ?value cg:eventType ?t .""",
    "claimKey": r"""?claim cg:inArticle ?a ; cg:speaker ?s ; cg:illocution ?i ; cg:polarity ?pol ; cg:certainty ?c ;
                           cg:voice ?v .
                    OPTIONAL { ?claim cg:paragraph ?par } OPTIONAL { ?claim cg:earliest ?e ; cg:latest ?l }
                    OPTIONAL { ?claim cg:timeLabel ?t }
                    BIND(CONCAT(STR(?a), "\t", STR(?s), "\t", STR(?i), "\t", STR(?pol), "\t", STR(?c), "\t", ?v, "\t",
                                COALESCE(STR(?par), ""), "\t", COALESCE(STR(?e), ""), "\t", COALESCE(STR(?l), ""), "\t",
                                COALESCE(STR(?t), "")) AS ?value)""",
    "articleKey": r"""?claim cg:slug ?s ; <http://www.w3.org/2000/01/rdf-schema#label> ?l ; cg:outlet ?o ;
                             cg:earliest ?e ; cg:latest ?la .
                      ?o cg:slug ?os ; <http://www.w3.org/2000/01/rdf-schema#label> ?ol .
                      OPTIONAL { ?claim cg:timeLabel ?t }
                      BIND(CONCAT(?s, "\t", ENCODE_FOR_URI(?l), "\t", STR(?e), "\t", STR(?la), "\t", ?os, "\t",
                                  ENCODE_FOR_URI(?ol), "\t", COALESCE(ENCODE_FOR_URI(?t), "")) AS ?value)""",
    "saidEarliest": """?claim cg:content ?p ; cg:inArticle ?a . ?a cg:earliest ?ae .
                       OPTIONAL { ?claim cg:earliest ?ce } BIND(COALESCE(?ce, ?ae) AS ?value)""",
}


@pytest.mark.parametrize("term", sorted(JOINS))
def test_derived_facts_are_what_the_joins_find(corpus_store: Path, term: str) -> None:
    store = ox.Store.read_only(str(corpus_store))
    derived = {(r["claim"], r["value"]) for r in store.query(
        PREFIX + f"SELECT ?claim ?value WHERE {{ GRAPH ?g {{ ?claim cg:{term} ?value }} "
                 f"FILTER(STRSTARTS(STR(?g), '{iris.GRAPH}derived/')) }}")}
    joined = {(r["claim"], r["value"]) for r in store.query(
        PREFIX + f"SELECT DISTINCT ?claim ?value WHERE {{ {JOINS[term]} }}", use_default_graph_as_union=True)}
    assert derived and derived == joined


def test_each_derived_graph_holds_facts_of_its_own_article_and_claims(corpus_store: Path) -> None:
    store = ox.Store.read_only(str(corpus_store))
    rows = list(store.query(PREFIX + f"""SELECT ?g ?claim WHERE {{ GRAPH ?g {{ ?claim ?p ?o }}
        FILTER(STRSTARTS(STR(?g), '{iris.GRAPH}derived/')) }}"""))
    assert rows
    for row in rows:
        slug = row["g"].value.rsplit("/", 1)[1]
        assert row["claim"].value.startswith(f"{iris.ID}claim/{slug}/") or row["claim"].value == str(iris.article(slug))


def test_stances_are_the_layouts_stances(corpus_store: Path) -> None:
    from claimgraph.queries.layouts import stance
    store = ox.Store.read_only(str(corpus_store))
    rows = list(store.query(PREFIX + """SELECT ?stance ?i ?p WHERE {
        ?claim cg:stance ?stance ; cg:illocution/cg:slug ?i ; cg:polarity/cg:slug ?p }""",
                            use_default_graph_as_union=True))
    assert {r["stance"].value for r in rows} == {"affirming", "denying", "questioning"}
    assert all(r["stance"].value == stance(r["i"].value, r["p"].value) for r in rows)
