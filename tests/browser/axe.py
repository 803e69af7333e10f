"""axe-core, the accessibility engine, run in the page as the browser draws it.

The script ships inside the `axe-playwright-python` wheel (axe-core 4.12, MPL-2.0; requirements.txt):
nothing is fetched at run time. It goes in through Playwright's evaluate, which the page's
Content-Security-Policy does not apply to, so pages keep their policy (no inline script) while axe
runs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT

from tests.browser.conftest import DESKTOP

# WCAG 2.0 and 2.1, levels A and AA: what the shop promises.
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCHEMES = ["light", "dark"]
# A desktop and a common Android phone's width.
VIEWPORTS = {"desktop": DESKTOP, "phone": {"width": 360, "height": 740}}

# A page that animates its colours (Django's admin fades links and buttons over 0.15 s) is measured
# once they have arrived: in the middle of the change to the dark scheme axe read half-faded links
# as too faint. Reading a box first has the browser start the transitions the new scheme causes.
SETTLED_JS = """async () => {
  document.body.getBoundingClientRect();
  const ending = document.getAnimations()
    .filter((animation) => animation.effect.getComputedTiming().endTime !== Infinity);
  await Promise.all(ending.map((animation) => animation.finished.catch(() => null)));
}"""
RUN_JS = """([options, disabled]) => axe.run(document, {
  runOnly: {type: "tag", values: options},
  rules: Object.fromEntries(disabled.map((rule) => [rule, {enabled: false}])),
  resultTypes: ["violations"],
})"""


def violations(page, where: str, disabled: tuple[str, ...] = ()) -> list[str]:
    """One line per element that breaks a WCAG A/AA rule on the page as it is now: where, the
    rule, its impact and the element (its CSS path and the start of its HTML)."""
    page.wait_for_load_state()  # a form's answer: its stylesheet, not only its elements
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate(RUN_JS, [WCAG_AA_TAGS, list(disabled)])
    return [
        f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}: "
        f"{' > '.join(map(str, node['target']))} {' '.join(node['html'].split())[:120]}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


def violations_in_every_view(page, where: str = "", disabled: tuple[str, ...] = ()) -> list[str]:
    """The page as it is, at a desktop's and a phone's width, in the light and the dark scheme
    (no reload: a form's answer is audited as it came back)."""
    if not where:
        address = urlsplit(page.url)
        where = address.path + (f"?{address.query}" if address.query else "")
    found = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        for name, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            page.evaluate(SETTLED_JS)
            found += violations(page, f"{where} [{name}, {scheme}]", disabled)
    return found
