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
  const [lighter, darker] = [luminance(rgb(foreground)), luminance(rgb(background))].sort((a, b) => b - a);
  const ratio = (lighter + 0.05) / (darker + 0.05);
  return {text: element.textContent.trim(), foreground, background, ratio};
}
"""
# WCAG 1.4.3 (AA) for text below 18pt (24 px), or 14pt (18.66 px) bold.
NORMAL_TEXT = 4.5


def contrast(locator) -> dict:
    return locator.evaluate(CONTRAST_JS)
