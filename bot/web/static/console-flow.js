// Draws the flow diagrams (pre.mermaid) with the vendored Mermaid; strict security
// (no HTML or scripts from labels), no network.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  if (window.mermaid) {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    window.mermaid.run({ querySelector: "pre.mermaid" });
  }
});
