// Charts drawn with Observable Plot (SVG): the timeline of events (vague time as intervals from
// the earliest to the latest bound) and, on an event's page, its claims by speaker and stance.
(function () {
  "use strict";
  var STANCE = { domain: ["affirming", "denying", "questioning"], range: ["#1d5e2a", "#9b2c1c", "#7a5a00"] };

  // Plot names its mark groups with aria-label; a <g> needs a role for that to be allowed.
  function accessible(chart) {
    chart.querySelectorAll("g[aria-label]").forEach(function (g) { g.setAttribute("role", "group"); });
    return chart;
  }

  function day(text) { return text ? new Date(text + "T00:00:00Z") : null; }

  function timeline() {
    var figure = document.getElementById("timeline-chart");
    var data = document.getElementById("timeline-data");
    if (!figure || !data || figure.dataset.drawn === "1") return;
    var highlight = figure.dataset.highlight;
    var events = JSON.parse(data.textContent).filter(function (e) { return e.time && e.time.earliest; });
    var rows = events.map(function (e) {
      var start = day(e.time.earliest), end = day(e.time.latest || e.time.earliest);
      end = new Date(end.getTime() + 86400000);  // the latest day is included
      return { event: e.event, label: e.label, when: e.time.label, start: start, end: end,
               vague: e.time.earliest !== e.time.latest, claims: e.claims, highlight: e.event === highlight };
    });
    if (!rows.length) return;
    var chart = Plot.plot({
      width: Math.max(figure.clientWidth || 900, 640),
      height: 40 + rows.length * 26,
      marginLeft: 260,
      x: { type: "utc", label: "date", grid: true, axis: "both" },
      y: { domain: rows.map(function (r) { return r.label; }), label: null, tickFormat: function (t) { return t.length > 40 ? t.slice(0, 39) + "…" : t; } },
      marks: [
        Plot.barX(rows, { x1: "start", x2: "end", y: "label", insetTop: 5, insetBottom: 5,
          fill: function (r) { return r.highlight ? "#15324a" : (r.vague ? "#7fa7c4" : "#1f5f8b"); },
          fillOpacity: function (r) { return r.vague ? 0.55 : 1; },
          title: function (r) { return r.label + ": " + r.when + " (" + r.claims + " claims)"; },
          ariaLabel: function (r) { return r.label + ", " + r.when; }, className: "event-interval" }),
        Plot.tickX(rows.filter(function (r) { return !r.vague; }), { x: "start", y: "label", stroke: "#15324a", strokeWidth: 2 })
      ],
      ariaLabel: "Timeline of " + rows.length + " events",
      ariaDescription: "Each event is a bar from the earliest to the latest date its time allows."
    });
    figure.insertBefore(accessible(chart), figure.firstChild);
    figure.dataset.drawn = "1";
  }

  function bySpeaker() {
    var figure = document.getElementById("speaker-chart");
    var data = document.getElementById("speaker-data");
    if (!figure || !data || figure.dataset.drawn === "1") return;
    var rows = [];
    JSON.parse(data.textContent).forEach(function (s) {
      Object.keys(s.stances).forEach(function (stance) {
        rows.push({ speaker: s.speaker.label, stance: stance, claims: s.stances[stance] });
      });
    });
    if (!rows.length) return;
    var speakers = Array.from(new Set(rows.map(function (r) { return r.speaker; })));
    var chart = Plot.plot({
      width: Math.max(figure.clientWidth || 700, 520),
      height: 40 + speakers.length * 24,
      marginLeft: 240,
      x: { label: "claims", grid: true },
      y: { domain: speakers, label: null, tickFormat: function (t) { return t.length > 38 ? t.slice(0, 37) + "…" : t; } },
      color: Object.assign({ legend: true }, STANCE),
      marks: [Plot.barX(rows, { x: "claims", y: "speaker", fill: "stance", title: function (r) { return r.speaker + ": " + r.claims + " " + r.stance; } }),
              Plot.ruleX([0])],
      ariaLabel: "Claims about this event by speaker and stance"
    });
    figure.insertBefore(accessible(chart), figure.firstChild);
    figure.dataset.drawn = "1";
  }

  function draw() { timeline(); bySpeaker(); }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
