"""The question library on the real store built from the real corpus: what each answer says,
checked against what the articles say; paging; and the rules every question file follows."""

from __future__ import annotations

import itertools

import pyoxigraph as ox
import pytest

from claimgraph.queries.catalog import catalog, get
from claimgraph.ontology.errors import NotFound, ParameterError
from claimgraph.queries.run import ask, prepare

CLAIM = "https://w3id.org/claimgraph/id/claim/"
LOSING = "unidentified-2025-02-12-russia-losing-azerbaijan"
PUNISH = "unidentified-2025-06-11-will-putin-punish-aliyev"
MASSIS_ARTICLE = "massis-post-2025-baku-moscow-rift"


def answer(backend, name: str, **params):
    return ask(name, params, backend).as_json()


# ------------------------------------------------------------------------------ the files

def test_every_question_is_listed_with_paging() -> None:
    names = set(catalog())
    assert {"attributions", "accusations", "event-claims", "speaker", "outlet", "contradictions", "corroboration",
            "timeline", "network", "search", "article-claims", "articles"} <= names
    for q in catalog().values():
        assert [p.name for p in q.paging] == ["limit", "offset"]
        assert q.summary and q.description


@pytest.mark.parametrize("name", sorted(catalog()))
def test_every_combination_of_optional_parameters_is_a_valid_query(name: str) -> None:
    """Each set of given parameters resolves the #if blocks into a query Oxigraph accepts."""
    question = get(name)
    optional = [p.name for p in question.params if not p.required and p.bind]
    required = [p.name for p in question.params if p.required and p.bind]
    empty = ox.Store()
    for n in range(len(optional) + 1):
        for given in itertools.combinations(optional, n):
            text = question.query([*required, *given])
            assert "#if" not in text and "#end" not in text
            list(empty.query(text))  # parses and plans


def test_a_parameter_must_be_projected(tmp_path) -> None:
    from claimgraph.queries.catalog import parse_question
    path = tmp_path / "bad.rq"
    path.write_text("#+ summary: s\n#+ params:\n#+   event: {type: event}\nSELECT ?x WHERE { ?x ?p ?event }\n")
    with pytest.raises(ValueError, match="must be projected"):
        parse_question(path)
    path.write_text("#+ summary: s\n#+ params:\n#+   event: {type: event, required: false}\n"
                    "SELECT ?event ?x WHERE { ?x ?p ?event }\n")
    with pytest.raises(ValueError, match="#if event"):
        parse_question(path)


# ------------------------------------------------------------------------------ accusations

@pytest.fixture(scope="module")
def accusations(backend):
    return answer(backend, "accusations", limit=1000)


def charge(result, accused: str, words: str):
    return next(e for e in result["results"] if e["accused"]["slug"] == accused and words in e["proposition"]["label"])


def test_accusations_pair_the_spy_charge_with_mehdiyevs_denial(accusations) -> None:
    entry = charge(accusations, "ramiz-mehdiyev", "espionage")
    assert entry["deed"] == "espionage"
    assert entry["accusers"] == ["azerbaijani-media"]
    [denial] = entry["denials"]
    assert denial["speaker"]["slug"] == "ramiz-mehdiyev"
    # A denial is an assertion with negative polarity ("refutes" mixed force and polarity).
    assert (denial["illocution"], denial["polarity"], denial["stance"]) == ("asserts", "negative", "denying")
    answered = {a["claim"] for a in denial["answers"]}
    assert answered == {f"{CLAIM}{LOSING}/e08"} == {entry["accusations"][0]["claim"]}
    assert {a["relation"] for a in denial["answers"]} == {"contradicts", "responds-to"}
    assert entry["answered"] is True and entry["counts"]["denials"] == 1


def test_accusations_cover_responsibility_for_events(accusations) -> None:
    entry = charge(accusations, "russia", "responsible for Crash")
    assert entry["event"] == "azal-crash"
    assert "azerbaijani-government" in entry["accusers"]
    assert all(c["stance"] == "affirming" for c in entry["accusations"])


def test_every_charge_has_an_accusation_and_slugs_to_follow(accusations) -> None:
    assert accusations["total"] == len(accusations["results"]) > 20
    for entry in accusations["results"]:
        assert entry["accusations"]
        for c in entry["accusations"] + entry["denials"] + entry["responses"]:
            assert c["speaker"]["slug"] and c["outlet"]["slug"] and c["article"]["slug"]
    keys = [(e["accused"]["slug"], e["proposition"]["label"], e["charge"]) for e in accusations["results"]]
    assert keys == sorted(keys)


def test_accused_includes_the_actors_parts(backend) -> None:
    result = answer(backend, "accusations", accused="russia")
    accused = {e["accused"]["slug"] for e in result["results"]}
    assert {"russia", "russian-government", "russian-police", "russia-house"} <= accused
    assert not accused & {"azerbaijan", "ramiz-mehdiyev"}


def test_accuser_keeps_the_charges_the_actor_makes(backend) -> None:
    result = answer(backend, "accusations", accuser="azerbaijani-government")
    accused = {e["accused"]["slug"] for e in result["results"]}
    assert {"russia", "russian-government", "russian-police", "sputnik-azerbaijan-staff"} <= accused
    assert all("azerbaijani-government" in e["accusers"] for e in result["results"])
    both = answer(backend, "accusations", accuser="azerbaijani-media", accused="ramiz-mehdiyev")
    assert [e["accused"]["slug"] for e in both["results"]] == ["ramiz-mehdiyev"]


# ------------------------------------------------------------------------------ event claims

@pytest.fixture(scope="module")
def crash(backend):
    return answer(backend, "event-claims", event="azal-crash")


def test_event_claims_are_grouped_by_stance_speaker_and_outlet(crash) -> None:
    total = crash["total"]
    assert total == len(crash["results"]) >= 10
    assert sum(crash["by_stance"].values()) == total
    assert set(crash["by_stance"]) == {"affirming", "denying", "questioning"}
    assert sum(g["count"] for g in crash["by_speaker"]) == total
    assert sum(g["count"] for g in crash["by_outlet"]) == total
    speakers = {g["speaker"]["slug"]: g for g in crash["by_speaker"]}
    assert speakers["azerbaijani-government"]["stances"].get("affirming")
    outlets = {g["outlet"]["slug"] for g in crash["by_outlet"]}
    assert {"massis-post", "unidentified-outlet-unidentified-2025-07-23-kremlin-fears-war"} <= outlets
    counts = [g["count"] for g in crash["by_outlet"]]
    assert counts == sorted(counts, reverse=True)


def test_event_claims_carry_stance_time_and_slugs(crash) -> None:
    for c in crash["results"]:
        assert c["stance"] in ("affirming", "denying", "questioning")
        assert c["article"]["published"]["earliest"] <= c["article"]["published"]["latest"]
        assert c["when"]["source"] in ("claim", "article")
        assert c["outlet"]["slug"] and c["speaker"]["slug"] and c["article"]["slug"]
        assert "azal-crash" in c["proposition"]["roles"].values()
    # In the order they were said: the claim's own time where the article dates it, else the article's.
    whens = [(c["when"]["earliest"], c["when"]["latest"]) for c in crash["results"]]
    assert whens == sorted(whens)


def test_article_time_bounds_keep_the_curators_label(crash) -> None:
    massis = next(c for c in crash["results"] if c["article"]["slug"] == MASSIS_ARTICLE)
    assert massis["article"]["published"] == {"label": "early 2025", "earliest": "2025-02-01", "latest": "2025-03-31"}


# ------------------------------------------------------------------------------ speaker

def test_speaker_includes_parts_in_time_order(backend) -> None:
    result = answer(backend, "speaker", actor="russia", limit=1000)
    speakers = {c["speaker"]["slug"] for c in result["results"]}
    assert {"maria-zakharova", "dmitry-peskov", "vladimir-putin", "vladimir-medinsky"} <= speakers
    times = [(c["when"]["earliest"], c["when"]["latest"]) for c in result["results"]]
    assert times == sorted(times)
    assert "timeline" not in result
    assert sum(s["count"] for s in result["speakers"]) == result["total"]


def test_a_statement_is_dated_when_it_was_made(backend) -> None:
    """Putin's apology, reported in 2025, was made in the call of late December 2024."""
    result = answer(backend, "speaker", actor="vladimir-putin", event="azal-crash")
    [apology] = [c for c in result["results"] if c["illocution"] == "apologizes"]
    assert apology["when"] == {"label": "late December 2024 (after the crash)", "earliest": "2024-12-25",
                               "latest": "2024-12-31", "source": "claim"}
    assert apology["mentionOf"]["slug"] == "putin-aliyev-apology-call"
    assert "Russian airspace" in apology["proposition"]["label"] and apology["proposition"]["type"] == "generic"
    assert [t["when"]["earliest"] for t in result["timeline"]] == sorted(t["when"]["earliest"] for t in result["timeline"])


def test_a_state_and_the_people_affiliated_with_it_apart(backend) -> None:
    result = answer(backend, "speaker", actor="azerbaijan", affiliated="true", limit=1000)
    own = {c["speaker"]["slug"] for c in result["results"]}
    apart = result["affiliated"]
    [namazov] = [s["speaker"] for s in apart["speakers"]]
    assert namazov["slug"] == "ramil-namazov" and namazov["role"] == "member of the Azerbaijani parliament"
    assert namazov["affiliations"] == [{"relation": "affiliated-with", "slug": "azerbaijani-parliament",
                                        "label": "National Assembly of Azerbaijan (Milli Majlis)"}]
    assert "ramil-namazov" not in own and {"azerbaijani-government", "ilham-aliyev"} <= own
    assert "affiliated" not in answer(backend, "speaker", actor="azerbaijan")
    assert "affiliated" not in answer(backend, "speaker", actor="azerbaijan", affiliated="false")
    russia = answer(backend, "speaker", actor="russia", affiliated="true")["affiliated"]
    assert {s["speaker"]["slug"] for s in russia["speakers"]} == {"konstantin-zatulin", "russian-deputies"}


def test_speaker_stance_timeline_on_one_event(backend) -> None:
    result = answer(backend, "speaker", actor="azerbaijan", event="azal-crash")
    assert result["results"] and all("azal-crash" in c["proposition"]["roles"].values() for c in result["results"])
    timeline = result["timeline"]
    assert [t["claim"] for t in timeline] == [c["claim"] for c in result["results"]]
    assert {t["speaker"] for t in timeline} <= {"azerbaijani-government", "ilham-aliyev", "azerbaijan"}
    assert all(t["stance"] in ("affirming", "denying", "questioning") and t["when"]["earliest"] for t in timeline)
    whens = [t["when"]["earliest"] for t in timeline]
    assert whens == sorted(whens)


def test_the_old_name_still_answers(backend) -> None:
    assert ask("speaker-claims", {"actor": "russia"}, backend).question.name == "speaker"


# ------------------------------------------------------------------------------ outlet

def test_outlet_whom_it_quotes_and_its_own_voice(backend) -> None:
    result = answer(backend, "outlet", outlet="massis-post", limit=1000)
    assert result["outlet"]["slug"] == "massis-post"
    assert result["outlet"]["country"] == "united-states" and result["outlet"]["stateAffiliated"] is False
    assert result["by_voice"]["own"] + result["by_voice"]["reported"] == result["total"]
    assert result["by_voice"]["own"] > 0 and result["by_voice"]["reported"] > 0
    quoted = {q["speaker"]["slug"]: q for q in result["quotes"]}
    assert quoted["azerbaijani-government"]["claims"] >= 1
    assert quoted["russian-political-commentator"]["claims"] == 6
    assert [a["slug"] for a in result["articles"]] == [MASSIS_ARTICLE]
    own = answer(backend, "outlet", outlet="massis-post", voice="own", limit=1000)
    assert own["total"] == result["by_voice"]["own"]
    assert {c["voice"] for c in own["results"]} == {"own"}
    # The piece is signed: its own voice is its author's, published by the outlet.
    assert all(c["speaker"]["slug"] == "krikor-khodanian" for c in own["results"])
    assert all(c["root"] == {**c["root"], "slug": "krikor-khodanian", "as": "author"} for c in own["results"])
    assert all(c["outlet"]["slug"] == "massis-post" for c in own["results"])


def test_outlet_relays_are_counted_apart(backend) -> None:
    result = answer(backend, "outlet", outlet=f"unidentified-outlet-{PUNISH}")
    quoted = {q["speaker"]["slug"]: q for q in result["quotes"]}
    assert quoted["ria-novosti"]["relayed"] >= 1
    assert quoted["ria-novosti-source"]["claims"] >= 1
    assert result["outlet"]["kind"] == "unidentified-outlet"


def test_outlet_must_be_an_outlet(backend) -> None:
    with pytest.raises(NotFound, match="no outlet with slug 'russia'"):
        ask("outlet", {"outlet": "russia"}, backend)


# ------------------------------------------------------------------------------ contradictions

@pytest.fixture(scope="module")
def contradictions(backend):
    return answer(backend, "contradictions", limit=1000)


def pair(result, left: str, right: str):
    return next(p for p in result["results"] if (p["left"]["claim"], p["right"]["claim"]) == (left, right))


def test_medinsky_and_zakharova_disagree_on_karabakh(contradictions) -> None:
    p = pair(contradictions, f"{CLAIM}{PUNISH}/a18", f"{CLAIM}{PUNISH}/a25")
    assert (p["left"]["speaker"]["slug"], p["right"]["speaker"]["slug"]) == ("vladimir-medinsky", "maria-zakharova")
    assert p["reasons"] == ["explicit", "incompatible-status"]
    assert "disputed territory" in p["left"]["proposition"]["label"]
    assert "part of Azerbaijan" in p["right"]["proposition"]["label"]
    assert p["left"]["outlet"]["slug"] == f"unidentified-outlet-{PUNISH}" and p["left"]["article"] == PUNISH
    assert p["same_proposition"] is False and p["same_charge"] is False


def test_mehdiyevs_denial_contradicts_the_spy_accusation(contradictions) -> None:
    p = pair(contradictions, f"{CLAIM}{LOSING}/e08", f"{CLAIM}{LOSING}/e12")
    assert p["reasons"] == ["explicit", "opposite-polarity"]
    assert (p["left"]["stance"], p["right"]["stance"]) == ("affirming", "denying")
    assert p["right"]["speaker"]["slug"] == "ramiz-mehdiyev" and p["same_proposition"] is True
    assert p["same_charge"] is True and p["right"]["speaker"]["role"].startswith("former head")


def test_each_pair_once_in_a_stable_order(contradictions, backend) -> None:
    keys = [(p["left"]["claim"], p["right"]["claim"]) for p in contradictions["results"]]
    assert len(keys) == len(set(keys)) == contradictions["total"]
    assert all(left < right for left, right in keys)
    assert {frozenset(k) for k in keys} == {frozenset(k) for k in set(keys)}
    # the sovereign-territory acknowledgement of the RIA source conflicts with Medinsky too
    assert (f"{CLAIM}{PUNISH}/a18", f"{CLAIM}{PUNISH}/a27") in keys
    assert answer(backend, "contradictions", limit=1000) == contradictions


# ------------------------------------------------------------------------------ corroboration

@pytest.fixture(scope="module")
def corroboration(backend):
    return answer(backend, "corroboration", limit=1000)


def test_the_spy_network_story_is_carried_by_two_outlets(corroboration) -> None:
    spy = next(i for i in corroboration["results"] if "spy network" in i["proposition"]["label"])
    assert spy["outlets"] == 2 and not spy["single_outlet"]
    assert spy["outlet_slugs"] == ["massis-post", f"unidentified-outlet-{LOSING}"]
    assert spy["speakers"] == 2


def test_single_outlet_claims_are_flagged_and_filtered(backend, corroboration) -> None:
    single = [i for i in corroboration["results"] if i["single_outlet"]]
    assert single and all(i["outlets"] == 1 and len(i["outlet_slugs"]) == 1 for i in single)
    assert corroboration["single_outlet"] == len(single)
    only = answer(backend, "corroboration", only_single_outlet="true", limit=1000)
    assert only["total"] == len(single) and all(i["single_outlet"] for i in only["results"])
    order = [(-i["outlets"], -i["speakers"], -i["claims"]) for i in corroboration["results"]]
    assert order == sorted(order)


def test_corroboration_about_one_event_counts_denials(backend) -> None:
    result = answer(backend, "corroboration", event="azal-crash")
    assert result["total"] > 0
    assert all("azal-crash" in i["proposition"]["about"] for i in result["results"])
    assert all(i["denials"] >= 0 and i["questions"] >= 0 for i in result["results"])


def test_the_airliner_charge_is_carried_by_two_outlets(backend) -> None:
    """Baku's charge that Russia downed the AZAL airliner: the Massis Post article names the Russian
    government ("shot down"), the 23 July article Russia ("deliberate shoot-down"). One charge,
    rolled up to Russia, carried by two outlets, with both wordings as variants."""
    result = answer(backend, "corroboration", event="azal-crash")
    [charge] = [i for i in result["results"] if (i["charge"] or {}).get("kind") == "responsibility"
                and [a["slug"] for a in i["charge"]["accused"]] == ["russia"]]
    assert charge["outlets"] == 2 and not charge["single_outlet"]
    assert charge["outlet_slugs"] == ["massis-post", "unidentified-outlet-unidentified-2025-07-23-kremlin-fears-war"]
    assert charge["speaker_slugs"] == ["azerbaijani-government"] and charge["claims"] == 2
    assert charge["proposition"]["label"].startswith("Russia is responsible for")
    assert sorted(v["charged"][0] for v in charge["variants"]) == ["russia", "russian-government"]
    assert {v["proposition"]["label"].rsplit("(", 1)[-1] for v in charge["variants"]} == {
        "shot down)", "deliberate shoot-down)"}
    assert all(v["claims"] == 1 and len(v["outlet_slugs"]) == 1 for v in charge["variants"])
    assert charge["charge"]["event"] == ["azal-crash"] and charge["carried_by"][0]["kind"] == "government-body"


def test_mentions_of_one_statement_count_once(backend) -> None:
    """The 23 July article gives the Kremlin's "difficult period" statement twice, once as
    Peskov's and once as the Kremlin's: two claims, two speakers, one utterance."""
    result = answer(backend, "corroboration", limit=1000)
    difficult = next(i for i in result["results"] if "difficult period" in i["proposition"]["label"])
    assert (difficult["claims"], difficult["speakers"], difficult["utterances"]) == (2, 2, 1)
    assert difficult["speaker_slugs"] == ["dmitry-peskov", "kremlin"]


# ------------------------------------------------------------------------------ timeline

@pytest.fixture(scope="module")
def timeline(backend):
    return answer(backend, "timeline", limit=1000)


def test_related_events_join_the_detentions_and_the_trial(backend, timeline) -> None:
    """The Yekaterinburg detentions (23 July article) are part of the criminal case (Tarasov's):
    with related events, a question about either reaches the other's claims."""
    detentions = answer(backend, "event-claims", event="yekaterinburg-detentions", limit=1000)
    assert {c["article"]["slug"] for c in detentions["results"]} == {"unidentified-2025-07-23-kremlin-fears-war"}
    assert all("via" not in c for c in detentions["results"])
    related = answer(backend, "event-claims", event="yekaterinburg-detentions", related="true", limit=1000)
    via = {c["claim"].rsplit("/", 1)[1]: c["via"] for c in related["results"]}
    assert via["d05"] == {"event": "yekaterinburg-trial", "relation": "whole"}
    assert via["c23"] == {"event": "yekaterinburg-detentions", "relation": "self"}
    trial = answer(backend, "event-claims", event="yekaterinburg-trial", related="true", limit=1000)
    assert {"c23", "d05"} <= {c["claim"].rsplit("/", 1)[1] for c in trial["results"]}
    events = {e["event"]: e for e in timeline["results"]}
    assert events["yekaterinburg-detentions"]["part_of"] == ["yekaterinburg-trial"]
    assert events["zakharova-karabakh-statement"]["follows_from"] == ["medinsky-karabakh-statement"]


def test_every_person_an_answer_names_comes_with_role_and_affiliation(backend) -> None:
    """Wherever an answer names an actor ({slug, label}), it says its kind, role and affiliations
    as the registry holds them: a person always has a role."""
    from claimgraph.queries.catalog import catalog
    seen = 0

    def walk(obj):
        nonlocal seen
        if isinstance(obj, dict):
            if obj.get("kind") == "person" and "label" in obj and "slug" in obj:
                assert obj["role"] and isinstance(obj["affiliations"], list), obj
                seen += 1
            for value in obj.values():
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    for name, q in catalog().items():
        params = {p.name: p.example for p in q.params if p.example is not None and p.type != "boolean"}
        walk(answer(backend, name, **params, limit=1000))
    assert seen > 100
    zakharova = next(c for c in answer(backend, "speaker", actor="maria-zakharova")["results"])["speaker"]
    assert zakharova["role"] == "spokesperson of the Russian Foreign Ministry"
    assert zakharova["affiliations"][0]["slug"] == "russian-foreign-ministry"


def test_the_2020_war_comes_before_the_crash(timeline) -> None:
    order = [e["event"] for e in timeline["results"]]
    assert order.index("second-karabakh-war") < order.index("azal-crash")
    crash = timeline["results"][order.index("azal-crash")]
    assert crash["time"] == {"label": "2024-12-25", "earliest": "2024-12-25", "latest": "2024-12-25"}
    assert (crash["type"], crash["place"]["slug"]) == ("air-crash", "aktau")
    assert crash["claims"] >= 10 and crash["outlets"] >= 2
    war = timeline["results"][order.index("second-karabakh-war")]
    assert war["time"]["label"] == "autumn 2020"
    starts = [(e["time"] or {}).get("earliest") or "9999" for e in timeline["results"]]
    assert starts == sorted(starts)


def test_timeline_window(backend) -> None:
    result = answer(backend, "timeline", since="2025-01-01", until="2025-03-01")
    events = {e["event"] for e in result["results"]}
    assert "sputnik-accreditation-revocation" in events and "azal-crash" not in events
    assert "russia-azerbaijan-crisis-2025" in events  # it spans the window
    with pytest.raises(ParameterError, match="not a date"):
        ask("timeline", {"since": "early 2025"}, backend)


# ------------------------------------------------------------------------------ network

@pytest.fixture(scope="module")
def network(backend):
    return answer(backend, "network", limit=1000)


def test_network_edges_and_nodes(network) -> None:
    edges = {e["id"]: e for e in network["edges"]}
    voice = edges["voice:azerbaijani-government>massis-post"]
    assert voice["kind"] == "voice" and voice["count"] >= 1
    accuses = edges["accuses:azerbaijani-media>ramiz-mehdiyev"]
    assert accuses["deeds"] == ["espionage"]
    nodes = {n["id"]: n for n in network["nodes"]}
    assert {e[end] for e in network["edges"] for end in ("source", "target")} == set(nodes)
    assert nodes["massis-post"]["kind"] == "news-outlet" and nodes["azerbaijan"]["kind"] == "state"
    counts = [e["count"] for e in network["edges"]]
    assert counts == sorted(counts, reverse=True)
    assert "results" not in network and network["total"] == len(network["edges"])


def test_network_by_kind_and_page(backend, network) -> None:
    accuses = answer(backend, "network", kind="accuses", limit=1000)
    assert {e["kind"] for e in accuses["edges"]} == {"accuses"}
    page = answer(backend, "network", limit=3)
    assert page["edges"] == network["edges"][:3]
    assert {n["id"] for n in page["nodes"]} == {e[end] for e in page["edges"] for end in ("source", "target")}


# ------------------------------------------------------------------------------ search

@pytest.mark.parametrize("text, slug", [("ozturk", "mustafa-ozturk"), ("ÖZTÜRK", "mustafa-ozturk"),
                                        ("Öztürk", "mustafa-ozturk"), ("kreml", "kremlin"),
                                        ("MOSCOW", "russian-government"), ("nagorno karabakh", "karabakh"),
                                        ("Turkiye", "turkey"), ("baku–grozny", None)])
def test_search_ignores_case_and_accents(backend, text, slug) -> None:
    results = answer(backend, "search", text=text)["results"]
    if slug is None:
        assert results == []  # descriptions are not searched, names only
    else:
        assert slug in [r["slug"] for r in results]


def test_search_ranks_exact_then_prefix(backend) -> None:
    results = answer(backend, "search", text="russia")["results"]
    assert results[0]["slug"] == "russia" and results[0]["match"] == "exact"
    matches = [r["match"] for r in results]
    assert matches == sorted(matches, key=["exact", "prefix", "word", "contains"].index)
    assert len({r["slug"] for r in results}) == len(results)
    actors = answer(backend, "search", text="baku", type="place")["results"]
    assert [r["slug"] for r in actors] == ["baku-city"] and actors[0]["type"] == "place"


@pytest.mark.parametrize("text, kind, found", [
    ("KREMLIN FEARS", "article", "unidentified-2025-07-23-kremlin-fears-war"),        # a printed title
    ("third party forces", "article", "unidentified-2025-tarasov-third-party-forces"),  # quotes and dashes
    ("baku–moscow rift", "article", MASSIS_ARTICLE),                                  # a description
    ("OZTURK SAID", "claim", "unidentified-2025-07-23-kremlin-fears-war"),            # a paraphrase
    ("öztürk said", "claim", "unidentified-2025-07-23-kremlin-fears-war"),
    ("tragic event occurring", "claim", "unidentified-2025-tarasov-third-party-forces"),  # a quote
])
def test_search_finds_articles_and_claim_texts(backend, text, kind, found) -> None:
    results = answer(backend, "search", text=text, type=kind)["results"]
    assert results and {r["type"] for r in results} == {kind}
    assert found in [r["slug"] for r in results]
    if kind == "claim":
        assert all(r["claim"].startswith(CLAIM + r["slug"] + "/") for r in results)
    assert not [r for r in answer(backend, "search", text=text)["results"] if r["type"] == "claim"], \
        "claims are searched only when asked for"


def test_articles_by_outlet_time_and_event(backend) -> None:
    every = answer(backend, "articles")["results"]
    assert len(every) == 5 and [a["published"]["earliest"] for a in every] == sorted(
        a["published"]["earliest"] for a in every)
    massis = next(a for a in every if a["article"] == MASSIS_ARTICLE)
    assert massis["title"] is None and massis["description"] and massis["label"] == massis["description"]
    assert [a["slug"] for a in massis["authors"]] == ["krikor-khodanian"] and massis["authors"][0]["role"]
    tarasov = next(a for a in every if a["article"] == "unidentified-2025-tarasov-third-party-forces")
    assert tarasov["title"] == 'There are "third-party forces" behind Aliyev, and Azerbaijan is actively "Ukrainizing"'
    assert tarasov["translationOf"] == "https://www.toutiao.com/article/7522662472948449835/"
    assert [a["article"] for a in answer(backend, "articles", outlet="massis-post")["results"]] == [MASSIS_ARTICLE]
    spring = answer(backend, "articles", since="2025-03-01", until="2025-06-30")["results"]
    assert {a["article"] for a in spring} == {MASSIS_ARTICLE, PUNISH, "unidentified-2025-tarasov-third-party-forces"}
    crash = {a["article"] for a in answer(backend, "articles", event="azal-crash")["results"]}
    assert crash == {MASSIS_ARTICLE, LOSING, "unidentified-2025-07-23-kremlin-fears-war",
                     "unidentified-2025-tarasov-third-party-forces"}
    plain = {a["article"] for a in answer(backend, "articles", event="yekaterinburg-detentions")["results"]}
    related = {a["article"] for a in answer(backend, "articles", event="yekaterinburg-detentions",
                                              related="true")["results"]}
    assert plain == {"unidentified-2025-07-23-kremlin-fears-war"}
    assert related == plain | {"unidentified-2025-tarasov-third-party-forces"}


# ------------------------------------------------------------------------------ paging

@pytest.mark.parametrize("name, params", [("speaker", {"actor": "russia"}), ("corroboration", {}),
                                          ("timeline", {}), ("accusations", {}), ("articles", {})])
def test_pages_add_up_to_the_whole_answer(backend, name, params) -> None:
    whole = answer(backend, name, **params, limit=1000)
    key = "edges" if name == "network" else "results"
    pages, offset = [], 0
    while offset < whole["total"]:
        page = answer(backend, name, **params, limit=7, offset=offset)
        assert page["total"] == whole["total"] and page["count"] == len(page[key]) <= 7
        assert (page["limit"], page["offset"]) == (7, offset)
        pages += page[key]
        offset += 7
    assert pages == whole[key]
    beyond = answer(backend, name, **params, offset=whole["total"] + 5)
    assert beyond[key] == [] and beyond["count"] == 0 and beyond["total"] == whole["total"]


def test_default_page_and_bounds(backend) -> None:
    result = answer(backend, "corroboration")
    assert (result["limit"], result["offset"], result["count"]) == (100, 0, 100) and result["total"] > 100
    for bad, words in ((0, "at least 1"), (1001, "at most 1000"), ("ten", "not a whole number")):
        with pytest.raises(ParameterError, match=words):
            ask("corroboration", {"limit": bad}, backend)
    with pytest.raises(ParameterError, match="at least 0"):
        ask("timeline", {"offset": -1}, backend)
    with pytest.raises(ParameterError, match="not true or false"):
        ask("corroboration", {"only_single_outlet": "maybe"}, backend)
    with pytest.raises(ParameterError, match="one of: voice, accuses"):
        ask("network", {"kind": "friends"}, backend)


def test_paging_is_not_pasted_into_the_query(backend) -> None:
    prepared = prepare("speaker", {"actor": "russia", "limit": "5", "offset": "10"}, backend)
    assert "LIMIT" not in prepared.query.upper().split("ORDER BY")[-1]
    assert set(prepared.bindings) == {"actor"} and (prepared.limit, prepared.offset) == (5, 10)
