"""WCAG contrast ratios of text as the browser draws it (axe-core is not installed here).

The text's colour (an SVG text's fill) against the first opaque background behind it: its own or
an ancestor's background colour; for text in an SVG, a <rect> covering the whole drawing first.
"""

CONTRAST_JS = """
(element) => {
  const rgb = (colour) => colour.match(/[\\d.]+/g).map(Number);
  const opaque = (colour) => { const parts = rgb(colour); return parts.length === 3 || parts[3] === 1; };
  const luminance = ([r, g, b]) => {
    const linear = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const svg = element.closest("svg");
  const foreground = svg ? getComputedStyle(element).fill : getComputedStyle(element).color;
  let background = null;
  const ground = svg && Array.from(svg.querySelectorAll(":scope > rect")).find(
    (rect) => ["width", "height"].every((side) => rect.getAttribute(side) === svg.getAttribute(side))
  );
  if (ground && opaque(getComputedStyle(ground).fill)) background = getComputedStyle(ground).fill;
  for (let node = svg || element; !background && node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (opaque(colour)) background = colour;
  }
  // Nothing painted behind it: the browser's own canvas, white (a page with a dark scheme paints its own).
  background = background || "rgb(255, 255, 255)";
  const [lighter, darker] = [luminance(rgb(foreground)), luminance(rgb(background))].sort((a, b) => b - a);
  const ratio = (lighter + 0.05) / (darker + 0.05);
  return {text: element.textContent.trim(), foreground, background, ratio};
}
"""
# WCAG 1.4.3 (AA) for text below 18pt (24 px), or 14pt (18.66 px) bold.
NORMAL_TEXT = 4.5


def contrast(locator) -> dict:
    return locator.evaluate(CONTRAST_JS)


# Every element with text of its own that the browser draws (not hidden, not in .visually-hidden),
# measured as CONTRAST_JS does.
PAGE_TEXT_JS = f"""
() => {{
  const measure = {CONTRAST_JS};
  const ownText = (element) => Array.from(element.childNodes).some(
    (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim()
  );
  return Array.from(document.querySelectorAll("body *"))
    .filter((element) => ownText(element) && element.checkVisibility({{visibilityProperty: true}})
      && !element.closest(".visually-hidden"))
    .map(measure);
}}
"""
# WCAG 1.4.11 (AA): the edges of fields and focus rings, against what is next to them.
NON_TEXT = 3.0


def page_text_contrasts(page) -> list[dict]:
    return page.evaluate(PAGE_TEXT_JS)


def colour_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two opaque CSS colours as the browser computes them ("rgb(r, g, b)")."""

    def luminance(colour: str) -> float:
        red, green, blue = (float(part) for part in colour[colour.index("(") + 1 : -1].split(",")[:3])

        def linear(value: float) -> float:
            value /= 255
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)

    lighter, darker = sorted([luminance(first), luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
