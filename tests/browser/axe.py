"""axe-core, vendored under tests/browser/vendor/ (not static/: the site never serves it), run in the
page through page.evaluate, which the page's Content-Security-Policy (self only, no inline script)
does not govern, where a script tag with its source would be refused."""

from pathlib import Path

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")

# The whole page, Plotly's charts and Swagger UI included: nothing is left out of axe's context.
AXE_RUN = """async () => {
  const result = await axe.run(
    document,
    {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}, resultTypes: ["violations"]},
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)}));
}"""


def serious_violations(page):
    """The serious and critical WCAG 2 A/AA violations of what the page shows now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    return page.evaluate(AXE_RUN)


def described(violations):
    """[(where, violation)] as lines for an assertion's message."""
    return "\n".join(f"{where}: {v['impact']} {v['id']} ({v['help']}) at {v['targets']}" for where, v in violations)
