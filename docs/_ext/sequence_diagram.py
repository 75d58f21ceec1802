"""``.. sequence-diagram::``: a message sequence chart drawn as inline SVG when the docs build.

No JavaScript and nothing fetched: the diagram is part of the HTML. Each content line is one
message, ``Sender -> Receiver: label``; participants are drawn in the order they first
appear. A line ``note: text`` writes a note across the chart. Builders other than HTML get
the lines as a literal block.

.. code-block:: rst

   .. sequence-diagram::
      :caption: A cross-origin call

      Page -> Flask: OPTIONS /json_echo/ (preflight)
      Flask -> Page: 204, Access-Control-Allow-Origin
"""

from html import escape

from docutils import nodes
from docutils.parsers.rst import Directive, directives

COLUMN = 230  # px between participants' lifelines
ROW = 46  # px between messages
TOP = 50
CHAR = 7.2  # px per character of the 13 px font, for centring


class SequenceDiagram(Directive):
    has_content = True
    option_spec = {"caption": directives.unchanged}

    def run(self):
        steps = [parse(line) for line in self.content if line.strip()]
        participants: list[str] = []
        for step in steps:
            for name in step[:2]:
                if name and name not in participants:
                    participants.append(name)
        caption = self.options.get("caption", "")
        svg = render(participants, steps, caption)
        figure = nodes.container(classes=["sequence-diagram"])
        figure += nodes.raw("", svg, format="html")
        figure += nodes.literal_block("", "\n".join(self.content), classes=["no-html"])
        if caption:
            figure += nodes.paragraph("", caption, classes=["caption"])
        return [figure]


def parse(line: str) -> tuple[str | None, str | None, str]:
    """``A -> B: label`` -> ``(A, B, label)``; ``note: text`` -> ``(None, None, text)``."""
    head, _, label = line.partition(":")
    if head.strip() == "note":
        return None, None, label.strip()
    if "->" not in head:
        raise ValueError(f"sequence-diagram: expected 'A -> B: label', got {line!r}")
    sender, _, receiver = head.partition("->")
    return sender.strip(), receiver.strip(), label.strip()


def render(participants: list[str], steps, caption: str) -> str:
    x = {name: 110 + i * COLUMN for i, name in enumerate(participants)}
    width = 220 + (len(participants) - 1) * COLUMN
    height = TOP + 30 + len(steps) * ROW + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" '
             f'font-size="13"><title>{escape(caption)}</title>',
             '<defs><marker id="arrow" markerWidth="10" markerHeight="8" refX="9" refY="4" '
             'orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#333"/></marker></defs>']
    for name, cx in x.items():
        parts.append(f'<rect x="{cx - 90}" y="10" width="180" height="28" rx="4" '
                     f'fill="#eef3f8" stroke="#5b7a99"/>'
                     f'<text x="{cx}" y="29" text-anchor="middle">{escape(name)}</text>'
                     f'<line x1="{cx}" y1="38" x2="{cx}" y2="{height - 10}" stroke="#999" '
                     f'stroke-dasharray="4 4"/>')
    for row, (sender, receiver, label) in enumerate(steps):
        y = TOP + 30 + row * ROW
        if sender is None:
            parts.append(f'<text x="{width / 2}" y="{y}" text-anchor="middle" '
                         f'font-style="italic" fill="#555">{escape(label)}</text>')
            continue
        x1, x2 = x[sender], x[receiver]
        middle = (x1 + x2) / 2
        parts.append(f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#333" '
                     f'marker-end="url(#arrow)"/>'
                     f'<text x="{middle}" y="{y - 7}" text-anchor="middle">'
                     f'{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def setup(app):
    app.add_directive("sequence-diagram", SequenceDiagram)
    app.add_css_file("sequence-diagram.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
