// The API documentation page (api/docs.html): Swagger UI (vendored, static/vendor/swagger-ui/) draws
// the OpenAPI document whose address the page gives. A file, not an inline script: our CSP runs none.
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  if (!element || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({
    url: element.dataset.schemaUrl,
    domNode: element,
    // Its default validator is a server on the internet: pages load nothing from outside.
    validatorUrl: null,
    // "Try it out" for the read-only endpoints with the page's own session; the push endpoint is the
    // one-stop systems' and takes their token, not a person's.
    supportedSubmitMethods: ["get", "head"],
    deepLinking: false
  });
})();
