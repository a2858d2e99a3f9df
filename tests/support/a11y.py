"""axe-core in Chromium: run the audit on a page, and tell Streamlit's own violations from ours.

axe-core comes from npm (tests/a11y/package.json, installed by `make test`); it is injected with
Playwright's add_script_tag(path=...), so the audit needs no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

AXE = Path(__file__).resolve().parents[1] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
# RGAA 4 follows WCAG 2.1 level AA.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass(frozen=True)
class Allowed:
    """A violation that comes from Streamlit's own markup, not from this project's content."""
    rule: str
    within: str   # the data-testid of the Streamlit element holding the offending node
    reason: str


# Streamlit 1.67's own markup. Each entry is also listed in the README's "Déclaration d'accessibilité".
ALLOWED: tuple[Allowed, ...] = (
    Allowed("list", "stSidebarNavItems", "the sectioned page menu puts its section headers (<header>) directly in its <ul>"),
    Allowed("listitem", "stSidebarNavItems", "the same menu: its <li> sit in a <div> per section inside the <ul>"),
)


def audit(page) -> list[dict]:
    """axe-core's violations on the page as it stands: [{id, impact, help, nodes: [{target, html}]}]."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, elementRef: true});
            const within = (el) => {  // the Streamlit elements (data-testid) holding the node, innermost first
                const ids = [];
                for (let e = el; e; e = e.parentElement) if (e.dataset && e.dataset.testid) ids.push(e.dataset.testid);
                return ids.join(' < ');
            };
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300),
                                          within: within(n.element)}))}));
        }""", TAGS)


def _allowed(rule: str, node: dict) -> bool:
    return any(a.rule == rule and a.within in node["within"].split(" < ") for a in ALLOWED)


def ours(violations: list[dict], impacts=("critical", "serious")) -> list[str]:
    """One line per offending element of the given impacts that no ALLOWED entry explains."""
    out = []
    for v in violations:
        if v["impact"] not in impacts:
            continue
        for node in v["nodes"]:
            if not _allowed(v["id"], node):
                out.append(f"{v['impact']} {v['id']} ({v['help']}): {node['within']} — {node['html'][:160]}")
    return out
