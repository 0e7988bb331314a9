"""How rows become answers: flat rows, claims with their chains, or outlets with their claims.

The SPARQL of a claim question returns one row per (claim, relay) so that chains of any depth
come back in one query; :func:`claims` folds those rows into one record per claim with the chain
in order from the outlet to the original speaker.
"""

from __future__ import annotations

from typing import Any

CLAIM_FIELDS = ("claim", "voice", "illocution", "polarity", "certainty", "paraphrase", "quote", "cue",
                "proposition", "propositionLabel", "propositionType", "attributedToSlug", "attributedToLabel",
                "paragraph", "claimTime", "analystConfidence")
RELAY_FIELDS = ("relay", "relayParent", "relaySpeakerSlug", "relaySpeakerLabel", "relayCue")


def _chain(relays: dict[str, dict[str, Any]], speaker: dict[str, Any]) -> list[dict[str, Any]]:
    """Order relays from the outermost (the outlet, no parent) inwards, then the speaker."""
    children = {r.get("relayParent"): r for r in relays.values()}
    chain, parent = [], None
    while parent in children and len(chain) <= len(relays):
        relay = children[parent]
        chain.append({"slug": relay["relaySpeakerSlug"], "label": relay["relaySpeakerLabel"],
                      **({"cue": relay["relayCue"]} if relay.get("relayCue") else {})})
        parent = relay["relay"]
    return [*chain, speaker]


def claims(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per claim, in the order of the rows, with its chain."""
    records: dict[str, dict[str, Any]] = {}
    relays: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        key = row["claim"]
        if key not in records:
            speaker = {"slug": row["speakerSlug"], "label": row["speakerLabel"]}
            record: dict[str, Any] = {
                "claim": key,
                "article": {"slug": row["articleSlug"], "title": row["articleTitle"], "published": row.get("published")},
                "outlet": {"slug": row["outletSlug"], "label": row["outletLabel"]},
                "speaker": speaker,
            }
            record.update({f: row[f] for f in CLAIM_FIELDS if f in row and f != "claim"})
            records[key], relays[key] = record, {}
        if row.get("relay"):
            relays[key][row["relay"]] = {f: row.get(f) for f in RELAY_FIELDS}
    for key, record in records.items():
        record["chain"] = _chain(relays[key], record["speaker"])
        record["evidence"] = {"paraphrase": record.pop("paraphrase", None), "quote": record.pop("quote", None),
                              "cue": record.pop("cue", None)}
        record["proposition"] = {"iri": record.pop("proposition", None), "label": record.pop("propositionLabel", None),
                                 **({"type": record.pop("propositionType")} if "propositionType" in record else {})}
        if "attributedToSlug" in record:
            record["attributedTo"] = {"slug": record.pop("attributedToSlug"), "label": record.pop("attributedToLabel")}
    return list(records.values())


def attributions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per outlet: the outlet, its articles, and the claims behind the attribution."""
    outlets: dict[str, dict[str, Any]] = {}
    for claim in claims(rows):
        outlet = claim.pop("outlet")
        entry = outlets.setdefault(outlet["slug"], {"outlet": outlet, "articles": [], "claims": []})
        if claim["article"] not in entry["articles"]:
            entry["articles"].append(claim["article"])
        claim["article"] = claim["article"]["slug"]
        claim["stance"] = "denies" if claim.get("polarity") == "negative" else "affirms"
        entry["claims"].append(claim)
    for entry in outlets.values():
        stances = {c["stance"] for c in entry["claims"]}
        voices = {c["voice"] for c in entry["claims"]}
        entry["stance"] = stances.pop() if len(stances) == 1 else "mixed"
        entry["voices"] = sorted(voices)
    return list(outlets.values())


SHAPERS = {"rows": lambda rows: rows, "claims": claims, "attributions": attributions}


TABLE_COLUMNS = ("outlet", "article", "voice", "speaker", "chain", "illocution", "polarity", "certainty",
                 "proposition", "paraphrase", "quote")


def _claim_row(claim: dict[str, Any], outlet: dict[str, Any] | None = None) -> dict[str, Any]:
    article = claim["article"]
    return {
        "outlet": (outlet or claim.get("outlet") or {}).get("slug"),
        "article": article["slug"] if isinstance(article, dict) else article,
        "voice": claim.get("voice"),
        "speaker": claim["speaker"]["slug"],
        "chain": " > ".join(link["slug"] for link in claim["chain"]),
        "illocution": claim.get("illocution"),
        "polarity": claim.get("polarity"),
        "certainty": claim.get("certainty"),
        "proposition": claim["proposition"]["label"],
        "paraphrase": claim["evidence"]["paraphrase"],
        "quote": claim["evidence"]["quote"],
    }


def flat(shape: str, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Shaped results as flat rows for tables and CSV (chains written ``outlet > relay > speaker``)."""
    if shape == "claims":
        return [_claim_row(c) for c in results]
    if shape == "attributions":
        return [_claim_row(c, entry["outlet"]) for entry in results for c in entry["claims"]]
    return results
