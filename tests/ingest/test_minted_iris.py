"""Every IRI the builder mints from a valid slug or claim id is an IRI Oxigraph's strict parser
accepts, whatever the slug: what lets the bulk loader read the builder's lines leniently."""

from __future__ import annotations

import pyoxigraph as ox
from hypothesis import given
from hypothesis import strategies as st

from claimgraph.ingest.models import SLUG_PATTERN
from claimgraph.ontology import iris

CLAIM_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
slugs = st.from_regex(SLUG_PATTERN, fullmatch=True)
claim_ids = st.from_regex(CLAIM_ID, fullmatch=True)


def _strict(iri: object) -> str:
    return ox.NamedNode(str(iri)).value


@given(slugs, claim_ids, st.integers(min_value=0, max_value=99))
def test_minted_iris_are_valid_iris(slug: str, claim_id: str, depth: int) -> None:
    minted = [iris.entity(kind, slug) for kind in ("actor", "event", "place")] + [
        iris.article(slug), iris.article_graph(slug), iris.derived_graph(slug), iris.curator(slug),
        iris.claim(slug, claim_id), iris.relay(slug, claim_id, depth), iris.curation(slug, claim_id)]
    assert [_strict(iri) for iri in minted] == [str(iri) for iri in minted]


def test_the_claim_id_pattern_is_the_models():
    from claimgraph.ingest.models import Claim
    assert CLAIM_ID in repr(Claim.model_fields["id"].metadata)
