"""Each chart as a server-rendered SVG document, drawn by pygal from a ``figures.Table``.

No script: pygal's own ``<script>`` elements (its tooltips) are removed from the tree. The
SVG keeps pygal's ``<style>`` inside it, so it is served as a document of its own
(``image/svg+xml``, embedded with ``<img>`` and alt text) or as a ``data:`` image in the
PDF, never inline in a page whose Content-Security-Policy would have to allow it.

Colour is never the only cue: the Okabe-Ito palette (safe for the common colour-vision
deficiencies) with a different pattern over each series' colour, the same pattern in the
legend, every value printed on its bar, and the table beneath the chart.
"""

from __future__ import annotations

import hashlib
import json
from xml.etree import ElementTree

import pygal
from django.core.cache import cache
from pygal.etree import etree as pygal_etree
from pygal.style import Style

from insight.figures import Table

SVG_NS = "http://www.w3.org/2000/svg"
# Okabe & Ito (2008), colour-blind safe, darkest last.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
# A pattern over each colour: (element drawn over the colour in a 10 x 10 tile).
PATTERNS = (
    "",  # plain
    '<path d="M0,10 L10,0" stroke="#0b0c0c" stroke-width="1.5"/>',  # diagonal
    '<circle cx="5" cy="5" r="1.8" fill="#0b0c0c"/>',  # dots
    '<path d="M0,5 H10" stroke="#0b0c0c" stroke-width="1.5"/>',  # horizontal
    '<path d="M0,0 L10,10 M0,10 L10,0" stroke="#0b0c0c" stroke-width="1"/>',  # cross-hatch
    '<path d="M5,0 V10" stroke="#ffffff" stroke-width="2"/>',  # vertical
    '<path d="M0,0 L10,10" stroke="#0b0c0c" stroke-width="1.5"/>',  # other diagonal
    '<path d="M0,5 H10 M5,0 V10" stroke="#ffffff" stroke-width="1.5"/>',  # grid
)
FONT = "Arial, Helvetica, sans-serif"
STYLE = Style(
    colors=PALETTE,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#505a5f",
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    value_label_font_family=FONT,
    tooltip_font_family=FONT,
    title_font_family=FONT,
    legend_font_family=FONT,
    no_data_font_family=FONT,
    title_font_size=18,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    value_font_size=12,
    opacity="1",
    opacity_hover="1",
    transition="none",
)
CACHE_SECONDS = 60 * 60
# The standard library's ElementTree, whether or not lxml is installed, so the tree below is
# always handled the same way.
pygal_etree.to_etree()


def _defs() -> list[str]:
    return [
        f'<pattern id="pattern-{i}" width="10" height="10" patternUnits="userSpaceOnUse">'
        f'<rect width="10" height="10" fill="{colour}"/>{PATTERNS[i % len(PATTERNS)]}</pattern>'
        for i, colour in enumerate(PALETTE)
    ]


def _css() -> str:
    rules = [
        f".serie-{i} .rect, .legends .legend:nth-child({i + 1}) rect "
        f"{{fill: url(#pattern-{i}) !important; stroke: #0b0c0c; stroke-width: 1}}"
        for i in range(len(PALETTE))
    ]
    rules.append(".value {fill: #0b0c0c !important; paint-order: stroke; stroke: #ffffff;}")
    return "inline:" + "\n".join(rules)


def _point(shown, *, stacked: bool):
    if shown.value is None:
        if stacked:
            return None
        return {"value": 0, "formatter": lambda _x, text=shown.text: text}
    return {"value": shown.value, "formatter": lambda _x, text=shown.text: text}


def build(table: Table):
    """The pygal chart for a table (not yet rendered)."""
    kind = {"stacked": pygal.StackedBar, "bar": pygal.Bar, "hbar": pygal.HorizontalBar}
    stacked = table.kind == "stacked"
    longest = max((len(label) for label, _ in table.series), default=0)
    columns = 1 if longest > 34 else min(3, max(1, len(table.series)))
    legend_rows = -(-len(table.series) // columns) if len(table.series) > 1 else 0
    height = 380 if table.kind != "hbar" else max(240, 80 + 34 * len(table.x_labels))
    chart = kind[table.kind](
        style=STYLE,
        width=800,
        height=height + 24 * legend_rows,
        disable_xml_declaration=True,
        js=[],
        defs=_defs(),
        css=["file://style.css", "file://graph.css", _css()],
        print_values=True,
        print_zeroes=not stacked,
        legend_at_bottom=True,
        legend_at_bottom_columns=columns,
        show_legend=len(table.series) > 1,
        truncate_legend=-1,
        truncate_label=40,
        x_label_rotation=0 if table.kind == "hbar" or len(table.x_labels) <= 6 else 30,
        y_title=table.y_title if table.kind != "hbar" else None,
        x_title=table.y_title if table.kind == "hbar" else None,
        include_x_axis=True,
        no_data_text="No decisions",
        min_scale=1,
        max_scale=8,
        title=table.title,
    )
    chart.x_labels = table.x_labels
    for label, values in table.series:
        chart.add(label, [_point(value, stacked=stacked) for value in values])
    return chart


def render_svg(table: Table) -> str:
    """The chart as an SVG document with a title and a description (the text summary)."""
    key = "insight-svg:" + hashlib.sha256(_fingerprint(table).encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = _render(table)
        cache.set(key, svg, CACHE_SECONDS)
    return svg


def _fingerprint(table: Table) -> str:
    return json.dumps(
        [
            table.kind,
            table.title,
            table.summary,
            table.y_title,
            table.x_labels,
            [(label, [(v.value, v.text) for v in values]) for label, values in table.series],
        ]
    )


def _render(table: Table) -> str:
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = build(table).render_tree()
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) == "script":
                parent.remove(child)
    # The document's own title (pygal's) and a description for assistive technology.
    title = next(child for child in root if _local(child.tag) == "title")
    title.set("id", f"{table.name}-title")
    desc = ElementTree.Element(f"{{{SVG_NS}}}desc" if root.tag.startswith("{") else "desc")
    desc.set("id", f"{table.name}-desc")
    desc.text = table.summary
    root.insert(list(root).index(title) + 1, desc)
    root.set("role", "img")
    root.set("aria-labelledby", f"{table.name}-title")
    root.set("aria-describedby", f"{table.name}-desc")
    return ElementTree.tostring(root, encoding="unicode")


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
