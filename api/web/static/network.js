// The network view: draws the graph embedded in the page (#network-data) with cytoscape.
// The filters are the page's own query parameters, so a filtered view has a URL of its own.
(function () {
  "use strict";
  var COLORS = { voice: "#1f5f8b", accuses: "#9b2c1c" };
  var SHAPES = { state: "round-rectangle", "government-body": "round-rectangle", person: "ellipse",
                 "news-outlet": "diamond", organization: "hexagon", group: "hexagon", "unnamed-source": "triangle" };

  function draw() {
    var box = document.getElementById("network");
    var data = document.getElementById("network-data");
    if (!box || !data || box.dataset.drawn === "1") return;
    var graph = JSON.parse(data.textContent);
    var elements = graph.nodes.map(function (n) {
      return { group: "nodes", data: { id: n.id, label: n.label, kind: n.kind || "", href: n.href } };
    }).concat(graph.edges.map(function (e) {
      return { group: "edges", data: { id: e.id, source: e.source, target: e.target, kind: e.kind, count: e.count } };
    }));
    var cy = cytoscape({
      container: box,
      elements: elements,
      wheelSensitivity: 0.3,
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 10, "text-wrap": "wrap", "text-max-width": 110,
          "background-color": "#dfe8f0", "border-color": "#15324a", "border-width": 1.5, "width": 26, "height": 26,
          "color": "#1b1b1b", "text-valign": "bottom", "text-margin-y": 3 } },
        { selector: "node[kind = 'news-outlet']", style: { "background-color": "#15324a" } },
        { selector: "edge", style: { "curve-style": "bezier", "target-arrow-shape": "triangle", "arrow-scale": 0.9,
          "width": "mapData(count, 1, 10, 1.2, 7)", "opacity": 0.8 } },
        { selector: "edge[kind = 'voice']", style: { "line-color": COLORS.voice, "target-arrow-color": COLORS.voice } },
        { selector: "edge[kind = 'accuses']", style: { "line-color": COLORS.accuses, "target-arrow-color": COLORS.accuses } }
      ].concat(Object.keys(SHAPES).map(function (k) {
        return { selector: "node[kind = '" + k + "']", style: { "shape": SHAPES[k] } };
      })),
      // Room for the labels: cose keeps them apart only when it counts them in a node's size; the
      // box's own shape bounds the layout, so a wide screen gets a wide graph.
      layout: { name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true,
                boundingBox: { x1: 0, y1: 0, w: box.clientWidth, h: box.clientHeight },
                nodeRepulsion: function () { return 150000; }, idealEdgeLength: function () { return 100; },
                nodeOverlap: 20, componentSpacing: 60, gravity: 0.5, numIter: 2500, padding: 24 }
    });
    cy.on("tap", "node", function (evt) {
      var href = evt.target.data("href");
      if (href) window.location.href = href;
    });
    box.dataset.drawn = "1";
    window.claimgraphNetwork = cy;
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
