// The SPARQL editor: YASGUI on this server's /sparql, with the question library as examples.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("yasgui");
    if (!box || !window.Yasgui) return;
    // The class and property autocompleters ask an outside service: off.
    Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(function (name) {
      return name !== "class" && name !== "property";
    });
    var endpoint = box.dataset.endpoint || (window.location.origin + "/sparql");
    var examples = JSON.parse(document.getElementById("sparql-examples").textContent);
    var yasgui = new Yasgui(box, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      persistenceId: "claimgraph-yasgui",
      yasqe: { value: examples.length ? examples[0].query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10" }
    });
    var tab = yasgui.getTab();
    if (tab && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
    window.claimgraphYasgui = yasgui;
    // Names for YASGUI's unlabelled controls (it renders them again with each result).
    function label() {
      var named = { ".autocomplete": "SPARQL endpoint", ".CodeMirror textarea": "SPARQL query",
                    ".tableSizer": "Rows per page", ".tableFilter": "Filter the results" };
      Object.keys(named).forEach(function (selector) {
        box.querySelectorAll(selector).forEach(function (el) {
          if (!el.getAttribute("aria-label")) el.setAttribute("aria-label", named[selector]);
        });
      });
      box.querySelectorAll(".CodeMirror-scroll, .dataTables_wrapper, .yasr_results").forEach(function (el) {
        if (el.getAttribute("tabindex") !== "0") el.setAttribute("tabindex", "0");
      });
    }
    label();
    new MutationObserver(label).observe(box, { childList: true, subtree: true });
    document.getElementById("load-example").addEventListener("click", function () {
      var chosen = document.getElementById("example").value;
      if (chosen === "") return;
      var current = yasgui.getTab();
      current.setEndpoint(endpoint);
      current.setQuery(examples[Number(chosen)].query);
    });
  });
})();
