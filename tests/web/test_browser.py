"""Each view of the dashboard in a real browser (system Chromium through Playwright), served by a
real server from the real corpus store: what it shows is compared with the JSON answer of the
same question; no console error, no request leaving 127.0.0.1, no serious or critical
accessibility violation (axe-core); a screenshot of each view is written (``build/screenshots/``,
or ``$CLAIMGRAPH_SCREENSHOTS``; the current ones are committed under ``docs/screenshots/``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from claimgraph.api.web.render import STATIC, vendor_files

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("CLAIMGRAPH_SCREENSHOTS") or ROOT / "build" / "screenshots")
AXE = STATIC / vendor_files()["axe.min.js"].removeprefix("/static/")

pytestmark = pytest.mark.slow


@dataclass
class Visit:
    """What a page did while it was open: every request's URL, console errors, page errors."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = Visit()
    page.on("request", lambda r: seen.requests.append(r.url))
    page.on("console", lambda m: seen.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(f"page error: {e}"))
    page.seen = seen
    yield page
    context.close()


def api(server: str, path: str, **params) -> dict:
    r = httpx.get(server + path, params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def check(page, name: str) -> None:
    """No console error, nothing off the machine, no serious accessibility problem; a screenshot."""
    page.wait_for_load_state("networkidle")
    hosts = {urlsplit(u).hostname for u in page.seen.requests if not u.startswith(("data:", "blob:", "about:"))}
    assert hosts == {"127.0.0.1"}, page.seen.requests
    assert not page.seen.errors, page.seen.errors
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    assert result == [], json.dumps(result, indent=1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_attributions_matrix_shows_exactly_the_outlets_of_the_answer(tab, live_server):
    answer = api(live_server, "/questions/attributions", event="azal-crash", actor="russia")
    tab.goto(live_server + "/attributions?event=azal-crash&actor=russia")
    rows = tab.locator("table.matrix tbody tr[data-outlet]")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.outlet)") == [e["outlet"]["slug"] for e in answer["results"]]
    shown = rows.evaluate_all("rs => rs.map(r => r.querySelector('th').innerText.trim())")
    assert shown == [e["outlet"]["label"] for e in answer["results"]]
    for entry in answer["results"]:  # every cell counts that outlet's claims of that voice and stance
        for cell in tab.locator(f"tr[data-outlet='{entry['outlet']['slug']}'] td.cell").all():
            voice, stance = cell.get_attribute("data-voice"), cell.get_attribute("data-stance")
            expected = sum(c["voice"] == voice and c["stance"] == stance for c in entry["claims"])
            assert int(cell.get_attribute("data-count")) == expected
    check(tab, "attributions")
    # A cell opens its claims; the URL reproduces the view.
    first = answer["results"][0]
    claim = first["claims"][0]
    tab.locator(f"tr[data-outlet='{first['outlet']['slug']}'] td.cell[data-voice='{claim['voice']}']"
                f"[data-stance='{claim['stance']}'] a").click()
    tab.wait_for_load_state("networkidle")
    assert f"outlet={first['outlet']['slug']}" in tab.url
    listed = tab.locator("#table-claims tbody tr").count()
    assert listed == sum(c["voice"] == claim["voice"] and c["stance"] == claim["stance"] for c in first["claims"])
    assert claim["evidence"]["paraphrase"] in tab.locator("#table-claims").inner_text()


def test_event_and_actor_autocomplete(tab, live_server):
    tab.goto(live_server + "/attributions")
    tab.locator("#actor-input").press_sequentially("kreml", delay=30)
    tab.wait_for_function("document.querySelectorAll('#actor-options option').length > 0")
    assert "kremlin" in tab.locator("#actor-options option").evaluate_all("os => os.map(o => o.value)")
    tab.locator("#event-input").press_sequentially("azal", delay=30)
    tab.wait_for_function("document.querySelectorAll('#event-options option').length > 0")
    assert "azal-crash" in tab.locator("#event-options option").evaluate_all("os => os.map(o => o.value)")
    check(tab, "attributions-form")


def test_opening_a_claim_shows_its_chain(tab, live_server):
    answer = api(live_server, "/questions/attributions", event="azal-crash", actor="russia")
    claim = next(c for e in answer["results"] for c in e["claims"] if c["voice"] == "reported")
    tab.goto(live_server + "/attributions?event=azal-crash&actor=russia")
    tab.locator("#table-claims a", has_text=claim["evidence"]["paraphrase"]).first.click()
    tab.wait_for_load_state("networkidle")
    assert tab.url.endswith(claim["claim"].removeprefix("https://w3id.org/claimgraph"))
    drawn = tab.locator("svg.chain g.chain-link").evaluate_all("gs => gs.map(g => g.dataset.slug)")
    assert drawn == [link["slug"] for link in claim["chain"]] and len(drawn) >= 2
    assert tab.locator("svg.chain g.chain-link").first.get_attribute("data-role") == "outlet"
    assert tab.locator("svg.chain g.chain-link").last.get_attribute("data-role") == "original speaker"
    box = tab.locator("svg.chain").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 60
    text = tab.locator("main").inner_text()
    assert claim["evidence"]["paraphrase"] in text and claim["analystConfidence"] in text
    check(tab, "claim")


def test_the_network_draws_its_nodes_and_filters(tab, live_server):
    answer = api(live_server, "/questions/network", limit=200)
    tab.goto(live_server + "/network")
    tab.wait_for_function("window.claimgraphNetwork && window.claimgraphNetwork.nodes().length > 0")
    drawn = tab.evaluate("""() => { const cy = window.claimgraphNetwork, box = document.getElementById('network');
        const w = box.clientWidth, h = box.clientHeight;
        return cy.nodes().map(n => { const p = n.renderedPosition();
            return {id: n.id(), inside: p.x >= 0 && p.y >= 0 && p.x <= w && p.y <= h && n.renderedWidth() > 4}; }); }""")
    assert sorted(n["id"] for n in drawn) == sorted(n["id"] for n in answer["nodes"])
    assert all(n["inside"] for n in drawn), [n for n in drawn if not n["inside"]]
    assert tab.evaluate("window.claimgraphNetwork.edges().length") == len(answer["edges"])
    assert tab.locator("#network canvas").count() >= 1
    check(tab, "network")
    # Filter: accusations only; the URL changes with it and reproduces the view.
    accusations = api(live_server, "/questions/network", kind="accuses", limit=200)
    tab.select_option("#kind", "accuses")
    tab.wait_for_function("window.claimgraphNetwork && window.claimgraphNetwork.container() === document.getElementById('network')"
                          " && window.claimgraphNetwork.edges().every(e => e.data('kind') === 'accuses')")
    assert "kind=accuses" in tab.url
    assert sorted(tab.evaluate("window.claimgraphNetwork.nodes().map(n => n.id())")) == \
        sorted(n["id"] for n in accusations["nodes"])


def test_the_timeline_draws_vague_time_as_intervals(tab, live_server):
    answer = api(live_server, "/questions/timeline", limit=200)
    timed = [e for e in answer["results"] if e["time"] and e["time"]["earliest"]]
    tab.goto(live_server + "/timeline")
    tab.wait_for_selector("#timeline-chart svg")
    bars = tab.locator("#timeline-chart svg g.event-interval rect, #timeline-chart svg .event-interval rect")
    assert bars.count() == len(timed)
    vague = [e for e in timed if e["time"]["earliest"] != e["time"]["latest"]]
    assert vague, "the corpus has events with vague time"
    widths = bars.evaluate_all("rs => rs.map(r => r.getBBox().width)")
    assert max(widths) > 3 * min(widths)  # a vague month is wider than a known day
    check(tab, "timeline")


def test_an_event_page_shows_claims_by_stance_and_speaker(tab, live_server):
    answer = api(live_server, "/questions/event-claims", event="azal-crash", limit=25)
    tab.goto(live_server + "/id/event/azal-crash")
    tab.wait_for_selector("#speaker-chart svg")
    speakers = tab.locator("#table-speakers tbody tr").count()
    assert speakers == len(answer["by_speaker"])
    assert tab.locator("#table-claims tbody tr").count() == answer["count"]
    assert tab.locator("#timeline-chart svg").count() >= 1
    check(tab, "event")


def test_contradictions_side_by_side_and_corroboration(tab, live_server):
    pairs = api(live_server, "/questions/contradictions", limit=10)
    tab.goto(live_server + "/contradictions")
    assert tab.locator("article.pair").count() == pairs["count"]
    assert tab.locator("article.pair").first.locator(".side").count() == 2
    corroboration = api(live_server, "/questions/corroboration", limit=25)
    assert tab.locator("#table-corroboration tbody tr").count() == corroboration["count"]
    check(tab, "contradictions")


def test_search_finds_actors_events_places_and_articles(tab, live_server):
    tab.goto(live_server + "/")
    tab.fill("#site-search", "moscow")
    tab.press("#site-search", "Enter")
    tab.wait_for_load_state("networkidle")
    assert "/search?text=moscow" in tab.url
    links = tab.locator("#table-results tbody a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert any(h.startswith("/id/actor/") for h in links)
    assert any(h.startswith("/id/article/") for h in links)  # "Baku–Moscow rift" in a title
    check(tab, "search")


def test_home_page(tab, live_server):
    tab.goto(live_server + "/")
    assert tab.locator("#table-articles tbody tr").count() == 5
    check(tab, "home")


def test_yasgui_runs_a_query_and_shows_rows(tab, live_server):
    tab.goto(live_server + "/sparql")
    tab.wait_for_selector(".yasqe .CodeMirror")
    tab.select_option("#example", label=next(o for o in tab.locator("#example option").all_inner_texts()
                                             if o.startswith("search:")))
    tab.click("#load-example")
    assert "ozturk" in tab.evaluate("window.claimgraphYasgui.getTab().getQuery()")
    tab.locator(".yasqe_queryButton").click()
    tab.wait_for_selector(".yasr table tbody tr", timeout=30_000)
    rows = tab.locator(".yasr table tbody tr").count()
    answer = api(live_server, "/questions/search", text="ozturk")
    assert rows >= answer["count"] >= 1
    assert "Öztürk" in tab.locator(".yasr").inner_text()
    check(tab, "sparql")
