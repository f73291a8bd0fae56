// Draws the flow diagrams (pre.mermaid) with the vendored Mermaid; strict security
// (no HTML or scripts from labels), no network. A step drawn in the diagram then opens
// the step editor when clicked (the list of steps beside it does the same without JS).
"use strict";

function linkSteps(pre) {
  const base = pre.dataset.stepBase;
  const steps = new Set((pre.dataset.steps || "").split(" ").filter(Boolean));
  if (!base) return;
  pre.querySelectorAll("g.node").forEach((node) => {
    const found = /flowchart-(.+)-\d+$/.exec(node.id || "");
    if (!found || !steps.has(found[1])) return;
    const url = base.replace("__step__", encodeURIComponent(found[1]));
    node.classList.add("step-link");
    node.setAttribute("role", "link");
    node.setAttribute("tabindex", "0");
    node.addEventListener("click", () => { window.location.assign(url); });
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter") window.location.assign(url);
    });
  });
}

window.addEventListener("DOMContentLoaded", () => {
  if (!window.mermaid) return;
  window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
  window.mermaid.run({ querySelector: "pre.mermaid" }).then(() => {
    document.querySelectorAll("pre.mermaid").forEach(linkSteps);
  });
});
