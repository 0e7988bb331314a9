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
    document.getElementById("load-example").addEventListener("click", function () {
      var chosen = document.getElementById("example").value;
      if (chosen === "") return;
      var current = yasgui.getTab();
      current.setEndpoint(endpoint);
      current.setQuery(examples[Number(chosen)].query);
    });
  });
})();
