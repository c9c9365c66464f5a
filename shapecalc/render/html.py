"""`check --format html`: one self-contained page per run, for people who would rather look than read.

Everything comes from the `--format json` document (report.analysis_dict), so the page and any
program reading the JSON see the same numbers; the Analysis itself is read only for what the
document leaves out (each layer's block depth, for indenting). The page needs no network to view:
the CSS is inline, the drawing (draw.py) and the bar charts are inline SVG and HTML, and there is
no script. Every piece of user text (a layer name can be any string YAML allows) goes through
`_text`: control characters escaped as the text report escapes them (diagnostics.one_line), then
html.escape. The output is deterministic (no date, no random ids: ids are the spec's position and
the layer's), so the same spec gives the same bytes and the golden files can hold them.
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterable, Sequence

from ..version import __version__
from ..analysis.calc import Analysis, gc_paused
from ..analysis.cost import Options, human_bytes
from ..diagnostics import one_line
from . import report as json_report
from ..layers.base import shape_str
from .output import plural

#: The bar charts show at most this many layers (the largest, in network order); a 100,000-layer
#: spec would otherwise draw a chart nobody can read. The rest are summed on one line.
BARS = 40

_STYLE = """
:root{--ink:#1d2330;--dim:#5d6676;--line:#d9dee7;--soft:#f4f6fa;--accent:#2f6fb2;--macs:#d9822b;
--bad:#c62828;--badbg:#fdecea;--warn:#a86400;--warnbg:#fff4e0;--ok:#2e7d32;--okbg:#e8f5e9;--block:#efe9f7}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",
sans-serif;color:var(--ink);background:#fff}
code,.mono,td.num,td.shape,td.field{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",
monospace;font-size:12.5px}
header.top{display:flex;align-items:baseline;gap:16px;border-bottom:2px solid var(--ink);padding-bottom:6px}
header.top h1{margin:0;font-size:22px}
header.top p{margin:0;color:var(--dim)}
nav ul{margin:8px 0 0;padding-left:20px}
article.spec{margin-top:28px}
article.spec>h2{margin:0 0 4px;font-size:24px}
.file{color:var(--dim);font-weight:normal;font-size:15px;margin-left:8px}
.status{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;font-size:13px}
.status.ok{background:var(--okbg);color:var(--ok)}
.status.bad{background:var(--badbg);color:var(--bad)}
.status.warn{background:var(--warnbg);color:var(--warn)}
section{margin-top:22px}
section h3{font-size:17px;margin:0 0 8px;border-bottom:1px solid var(--line);padding-bottom:3px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(175px,1fr));gap:10px;margin-top:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 12px;background:var(--soft)}
.card .k{color:var(--dim);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:19px;font-weight:600;font-variant-numeric:tabular-nums}
.card .s{color:var(--dim);font-size:12px}
.drawing{border:1px solid var(--line);border-radius:8px;padding:8px;overflow-x:auto;text-align:center}
.drawing svg{max-width:100%;height:auto}
.placeholder{color:var(--dim);font-style:italic}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
table.layers{width:100%;font-size:13px}
th,td{padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:top;text-align:left}
thead th{background:var(--ink);color:#fff;font-weight:600;font-size:12.5px;white-space:nowrap;position:sticky;top:0}
td.num,th.num{text-align:right;white-space:nowrap}
td.zero{color:#b3b9c4}
td.field,td.one{white-space:nowrap}
td.shape{text-align:right}
td.name{padding-left:calc(8px + var(--depth,0) * 16px)}
td.dim,span.dim{color:var(--dim)}
.loc{color:var(--dim);font-size:11px;margin-left:6px;white-space:nowrap}
tr.arith td{border-top:0;padding-top:0;color:var(--dim);font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,
"DejaVu Sans Mono",monospace;font-size:12px}
tr.arith td[colspan]{padding-left:calc(8px + var(--depth,0) * 16px)}
table.layers tbody:not(.block) tr:first-child td{border-top:1px solid var(--line)}
table.layers td{border-bottom:0}
table.layers tbody:nth-of-type(even):not(.block):not(.bad):not(.unknown) td{background:#f8f9fc}
tbody.block td{background:var(--block);font-weight:600;border-top:1px solid #cbbbe3}
tbody.block td.kind{color:#6a3fa0}
tbody.unknown td{background:var(--warnbg)}
tbody.bad td{background:var(--badbg)}
tbody.bad td.name::before{content:"\\25B2  ";color:var(--bad);font-size:10px}
table.kv td:first-child{color:var(--dim);padding-right:24px}
table.kv td.num{text-align:right}
ul.diags{list-style:none;margin:0;padding:0}
ul.diags li{padding:6px 10px;border-left:4px solid var(--bad);background:var(--badbg);margin-bottom:6px;
border-radius:0 6px 6px 0}
ul.diags li.warning{border-color:var(--warn);background:var(--warnbg)}
ul.diags .code{font-weight:700;color:var(--bad);margin:0 6px}
ul.diags li.warning .code{color:var(--warn)}
.good{color:var(--ok)}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:24px}
table.bars{width:100%}
table.bars td{border:0;padding:1px 6px;font-size:12.5px}
table.bars td.label{white-space:nowrap;max-width:220px;overflow:hidden;text-overflow:ellipsis}
table.bars td.track{width:60%}
table.bars a{color:var(--ink);text-decoration:none}
.fill{height:13px;border-radius:2px;background:var(--accent);min-width:1px;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
.macs .fill{background:var(--macs)}
table.bars td.share{color:var(--dim);text-align:right;white-space:nowrap}
.note{color:var(--dim);font-size:12.5px}
footer{margin-top:36px;color:var(--dim);font-size:12px;border-top:1px solid var(--line);padding-top:6px}
@media print{
@page{size:A4 landscape;margin:10mm}
body{padding:0;font-size:10pt}
.scroll,.drawing{overflow:visible}
thead{display:table-header-group}
thead th{position:static}
tbody,tr,li,.card,.drawing,table.kv,table.bars{break-inside:avoid}
tr.arith td{overflow-wrap:anywhere}
td.shape,td.name,td.field{white-space:normal}
table.layers{font-size:8pt}
code,.mono,td.num,td.shape,td.field,tr.arith td{font-size:8pt}
article.spec+article.spec,section.newpage{break-before:page}
h2,h3{break-after:avoid}
nav{display:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

_XML_PROLOGUE = re.compile(r"\A\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?")
#: Where an SVG names an id: defining it, and referring to it (url(#...), href="#...").
_SVG_ID = re.compile(r'(\bid="|url\(#|href="#)')


def _text(value: Any) -> str:
    """User text made safe for an element or an attribute: control characters escaped (one_line,
    as the text report does: the HTML parser would reject them) and markup characters too."""
    return html.escape(one_line(str(value)), quote=True)


def _name(name: str) -> str:
    """A layer's full name that may break after its dots (layer4.1.downsample.0) when the table is tight."""
    return _text(name).replace(".", ".<wbr>")


def _count(n: int | float | None) -> str:
    return "?" if n is None else f"{int(n):,}"


def _drawing(a: Analysis, prefix: str) -> str:
    """The network drawn by draw.py, inline: its XML prologue dropped (inside HTML it is an error)
    and its ids (the arrow marker) given the spec's prefix, so two drawings on one page keep
    their ids unique. draw.py escapes every quote in user text, so `id="` is only ever its own."""
    from .draw import DrawOptions, svg

    drawing = _XML_PROLOGUE.sub("", svg(a, DrawOptions()), count=1).strip()
    drawing = _SVG_ID.sub(lambda m: f'{m.group(1)}{prefix}-', drawing)
    return drawing


def _layer_cell_shapes(layer: dict[str, Any], input_shapes: list[Sequence[int] | None]) -> str:
    """`input -> output` as the text table writes it: several inputs joined with +, several outputs in []."""
    if len(input_shapes) > 2:
        into = f"{len(input_shapes)} inputs"
    elif len(input_shapes) == 2:
        into = " + ".join(map(shape_str, input_shapes))
    else:
        into = shape_str(layer["input_shape"]) if input_shapes else ""
    out = f"[{', '.join(map(shape_str, layer['parts']))}]" if layer["parts"] else shape_str(layer["output_shape"])
    return f"{into} -> {out}" if into else f"-> {out}"


def _same(values: Sequence[Any]) -> str:
    """Per-dimension values, one number when they agree (jump 16, not 16x16): the column stays narrow."""
    return str(values[0]) if len(set(values)) == 1 else shape_str(values)


def _field(rf: dict[str, Any] | None) -> str:
    """A receptive field as `size` over `jump · start` (per spatial dimension)."""
    if rf is None:
        return ""
    return f'{shape_str(rf["size"])}<br><span class="dim">jump {_same(rf["jump"])} · start {_same(rf["start"])}</span>'



def _columns(connections: bool) -> list[tuple[str, str]]:
    """The table's headers and their cells' class; LeCun's connections only when asked for, as in the text table."""
    return [("#", "num"), ("name", ""), ("type", ""), ("inputs", ""), ("input -> output", "num"),
            ("params", "num"), ("trainable", "num"), ("buffers", "num"),
            *([("connections", "num")] if connections else []),
            ("MACs", "num"), ("FLOPs", "num"), ("activations", "num"), ("receptive field", "")]


def _num(n: int | float | None) -> str:
    """A number cell; zeros are dimmed so the layers that cost something stand out."""
    return f'<td class="num{" zero" if n == 0 else ""}">{_count(n)}</td>'


def _layer_rows(a: Analysis, doc: dict[str, Any], prefix: str, flagged: set[str], connections: bool) -> Iterable[str]:
    """The table's row groups (a tbody each, so print never splits one): a grouped row where each
    block starts (its subtotals), then each layer, indented by depth, with its arithmetic on a
    row of its own below (beside the numbers it would squeeze them into a tall narrow column); a
    layer with an error or an unknown shape is marked."""
    starts: dict[str, list[dict[str, Any]]] = {}
    for b in doc["blocks"]:
        if b["layers"]:
            starts.setdefault(b["layers"][0], []).append(b)
    previous = "input"
    span = len(_columns(connections)) - 1  # all but the # column
    no_links = "<td></td>" if connections else ""
    for i, (r, layer) in enumerate(zip(a.layers, doc["layers"]), 1):
        for b in starts.get(layer["name"], []):
            kind = f"{b['block']} ×{b['repeat']}" if b["repeat"] > 1 else b["block"]
            shapes = f"{shape_str(b['input_shape'])} -> {shape_str(b['output_shape'])}"
            yield (f'<tbody class="block"><tr><td></td><td class="name" style="--depth:{b["depth"]}">'
                   f'{_text(b["name"])}</td><td class="kind">{_text(kind)}</td>'
                   f'<td class="dim">{plural(len(b["layers"]), "layer")}</td><td class="shape">{_text(shapes)}</td>'
                   f'{_num(b["params"])}{_num(b["trainable_params"])}<td></td>{no_links}{_num(b["macs"])}'
                   f"<td></td><td></td><td></td></tr></tbody>")
        inputs = layer["inputs"]
        local = f"{r.spec.block}." if r.spec.block else ""  # inside a block its names say enough, as in the text table
        shown = _text(", ".join(n[len(local):] if local and n.startswith(local) else n for n in inputs))
        inputs_cell = f'<td class="dim">{shown}</td>' if inputs == [previous] else f"<td>{shown}</td>"
        previous = layer["name"]
        frozen = ' <span class="dim">(frozen)</span>' if not r.spec.trainable and layer["params"] else ""
        known = layer["output_shape"] is not None
        params = f'<td class="num{"" if layer["params"] or not known else " zero"}">{_count(layer["params"]) if known else "?"}{frozen}</td>'
        activations = layer["activation_bytes"]
        act = "?" if activations is None else (
            f'<span title="{layer["activation_elements"]:,} elements, {activations:,} bytes">'
            f"{human_bytes(activations)}</span>")
        arithmetic = [_text(line) for line in layer["arithmetic"]]
        arithmetic += [f"note: {_text(note)}" for note in layer["notes"]]
        css = "bad" if layer["name"] in flagged else "unknown" if layer["output_shape"] is None else ""
        links = _num(layer["connections"]) if connections else ""
        yield (f'<tbody id="{prefix}-layer-{i}"' + (f' class="{css}"' if css else "") + ">"
               f'<tr><td class="num dim">{i}</td>'
               f'<td class="name" style="--depth:{r.spec.depth}">{_name(layer["name"])}'
               f'<span class="loc">line {layer["line"]}</span></td>'
               f'<td class="type">{_text(layer["type"])}</td>{inputs_cell}'
               f'<td class="shape{"" if len(r.input_shapes) > 1 else " one"}">'
               f'{_text(_layer_cell_shapes(layer, r.input_shapes))}</td>'
               f'{params}{_num(layer["trainable_params"])}{_num(layer["buffers"])}{links}'
               f'{_num(layer["macs"])}{_num(layer["flops"])}'
               f'<td class="num">{act}</td><td class="field">{_field(layer["receptive_field"])}</td></tr>'
               + (f'<tr class="arith"><td></td><td colspan="{span}" style="--depth:{r.spec.depth}">'
                  f'{"<br>".join(arithmetic)}</td></tr>' if arithmetic else "")
               + "</tbody>")


def _table(a: Analysis, doc: dict[str, Any], prefix: str, connections: bool) -> str:
    flagged = {d["layer"] for d in doc["diagnostics"] if d["layer"] and d["severity"] == "error"}
    head = "".join(f'<th class="{css}">{_text(name)}</th>' if css else f"<th>{_text(name)}</th>"
                   for name, css in _columns(connections))
    body = "\n".join(_layer_rows(a, doc, prefix, flagged, connections))
    convention = f" under the {_text(doc['convention'])} convention" if doc["convention"] != "macs" else ""
    return (f'<section id="{prefix}-layers" class="newpage"><h3>Layers</h3>'
            f'<p class="note">Shapes are channels first, without the batch. MACs and FLOPs are per input{convention}; '
            f'activations are each output for the batch of {doc["memory"]["batch"]} in {_text(doc["memory"]["dtype"])}. '
            f'Each layer\'s arithmetic is on the line below it.</p>'
            f'<div class="scroll"><table class="layers"><thead><tr>{head}</tr></thead>\n{body}\n'
            f"</table></div></section>")


def _bars(doc: dict[str, Any], key: str, title: str, css: str, prefix: str) -> str:
    """One chart: a bar per layer for `key` (params or macs), longest = the largest layer; at most
    BARS of them (the largest, shown in network order), the rest summed on one line."""
    values = [(i, layer["name"], layer[key]) for i, layer in enumerate(doc["layers"]) if layer[key]]
    total = sum(v for _, _, v in values)
    if not values:
        return f'<div class="{css}"><h4>{title}</h4><p class="note">None.</p></div>'
    shown = sorted(sorted(values, key=lambda t: (-t[2], t[0]))[:BARS])
    top = max(v for _, _, v in shown)
    rows = []
    for i, name, v in shown:
        rows.append(f'<tr><td class="label" title="{_text(name)}"><a href="#{prefix}-layer-{i + 1}">{_text(name)}</a>'
                    f'</td><td class="track"><div class="fill" style="width:{100 * v / top:.2f}%"></div></td>'
                    f'<td class="num">{_count(v)}</td><td class="share">{100 * v / total:.1f}%</td></tr>')
    rest = len(values) - len(shown)
    if rest:
        left = total - sum(v for _, _, v in shown)
        rows.append(f'<tr><td class="label dim" colspan="2">{plural(rest, "other layer")}</td>'
                    f'<td class="num">{_count(left)}</td><td class="share">{100 * left / total:.1f}%</td></tr>')
    return (f'<div class="{css}"><h4>{title} <span class="dim">({_count(total)})</span></h4>'
            f'<table class="bars"><tbody>{"".join(rows)}</tbody></table></div>')


def _cost(doc: dict[str, Any], prefix: str) -> str:
    return (f'<section id="{prefix}-cost" class="newpage"><h3>Where the cost is</h3><div class="charts">'
            f'{_bars(doc, "params", "Parameters per layer", "params", prefix)}'
            f'{_bars(doc, "macs", "MACs per layer", "macs", prefix)}</div></section>')


def _card(key: str, value: str, sub: str = "") -> str:
    return (f'<div class="card"><div class="k">{key}</div><div class="v">{value}</div>'
            + (f'<div class="s">{sub}</div>' if sub else "") + "</div>")


def _outputs(doc: dict[str, Any]) -> str:
    shapes = doc["output_shapes"]
    return ", ".join(map(shape_str, shapes)) if len(shapes) > 1 else shape_str(doc["output_shape"])


def _summary(doc: dict[str, Any]) -> str:
    m = doc["memory"]
    frozen = doc["non_trainable_params"]
    return ('<div class="cards">'
            + _card("input", shape_str(doc["input_shape"]), "channels first, no batch")
            + _card("output" + "s" * (len(doc["output_shapes"]) > 1), _text(_outputs(doc)), plural(len(doc["layers"]), "layer"))
            + _card("parameters", _count(doc["total_params"]), f"{_count(frozen)} frozen" if frozen else "all trainable")
            + _card("MACs", _count(doc["total_macs"]), f"{_text(doc['convention'])} convention, one input")
            + _card("FLOPs", _count(doc["total_flops"]), "one input")
            + _card("activations", human_bytes(m["activation_bytes"]), f"{_text(m['dtype'])}, batch {m['batch']}")
            + _card("training memory", human_bytes(m["training_bytes"]), f"with {_text(m['optimizer'])}")
            + "</div>")


def _diagnostics(doc: dict[str, Any], prefix: str) -> str:
    if not doc["diagnostics"]:
        return f'<section id="{prefix}-diagnostics"><h3>Diagnostics</h3><p class="good">No problems found.</p></section>'
    index = {layer["name"]: i for i, layer in enumerate(doc["layers"], 1)}
    items = []
    for d in doc["diagnostics"]:
        where = f'{_text(doc["file"])}:{d["line"]}:{d["column"]}:'
        layer = (f' <a href="#{prefix}-layer-{index[d["layer"]]}">{_text(d["layer"])}</a>'
                 if d["layer"] in index else "")
        items.append(f'<li class="{d["severity"]}"><code>{where}</code><span class="code">{_text(d["code"])}</span>'
                     f'{_text(d["message"])}{layer}</li>')
    return (f'<section id="{prefix}-diagnostics"><h3>Diagnostics</h3><ul class="diags">{"".join(items)}</ul>'
            f"</section>")


def _answers(doc: dict[str, Any]) -> str:
    """The spec's `expect:` answers, each right or wrong with the calculator's arithmetic."""
    rows = "".join(
        f'<tr class="{"" if ans["correct"] else "bad"}"><td>{_text(ans["layer"] or "(network)")}</td>'
        f'<td>{_text(ans["key"])}</td><td class="mono">{_text(ans["expected"])}</td>'
        f'<td class="mono">{_text(ans["actual"])}</td><td>{"right" if ans["correct"] else "wrong"}</td>'
        f'<td class="mono dim">{_text(ans["arithmetic"])}</td><td class="num">{ans["line"]}:{ans["column"]}</td></tr>'
        for ans in doc["answers"])
    return ('<div class="scroll"><table class="layers"><thead><tr><th>layer</th><th>key</th><th>expected</th>'
            f'<th>actual</th><th>verdict</th><th>arithmetic</th><th class="num">line</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


def _totals(doc: dict[str, Any], prefix: str) -> str:
    """Totals and memory in exact figures (the cards above round them)."""
    m = doc["memory"]
    complete = "" if doc["output_shape"] is not None or not doc["layers"] else (
        '<p class="note">Layers with unknown shapes are not counted.</p>')
    counts = [("total parameters", doc["total_params"]), ("trainable", doc["trainable_params"]),
              ("non-trainable", doc["non_trainable_params"]), ("buffers", doc["buffers"]),
              ("connections", doc["connections"]), (f"MACs ({doc['convention']})", doc["total_macs"]),
              ("FLOPs", doc["total_flops"])]
    sizes = [("parameters", m["param_bytes"]), ("buffers", m["buffer_bytes"]),
             ("activations (input and every output)", m["activation_bytes"]),
             ("saved for backward", m["saved_activation_bytes"]), ("gradients", m["gradient_bytes"]),
             (f"optimizer state ({m['optimizer']})", m["optimizer_state_bytes"]),
             ("training total", m["training_bytes"])]
    left = "".join(f'<tr><td>{_text(k)}</td><td class="num">{_count(v)}</td></tr>' for k, v in counts)
    right = "".join(f'<tr><td>{_text(k)}</td><td class="num">{human_bytes(v)}</td>'
                    f'<td class="num dim">{v:,} B</td></tr>' for k, v in sizes)
    return (f'<section id="{prefix}-totals"><h3>Totals and memory</h3>{complete}<div class="charts">'
            f'<div><h4>Counts</h4><table class="kv"><tbody>{left}<tr><td>output shape'
            f'{"s" * (len(doc["output_shapes"]) > 1)}</td><td class="num mono">{_text(_outputs(doc))}</td></tr>'
            f'</tbody></table></div><div><h4>Memory ({_text(m["dtype"])}, {m["bytes_per_element"]} bytes per element, '
            f'batch {m["batch"]})</h4><table class="kv"><tbody>{right}</tbody></table></div></div></section>')


def _status(doc: dict[str, Any]) -> str:
    errors, warnings = doc["errors"], doc["warnings"]
    css = "bad" if errors else "warn" if warnings else "ok"
    text = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}" if errors or warnings else "no problems"
    wrong = sum(not ans["correct"] for ans in doc["answers"])
    answers = (f' <span class="status {"bad" if wrong else "ok"}">{plural(len(doc["answers"]), "answer")} checked'
               f'{f", {wrong} wrong" if wrong else ", all right"}</span>') if doc["answers"] else ""
    return f'<span class="status {css}">{text}</span>{answers}'


def _article(a: Analysis, options: Options, connections: bool, index: int) -> str:
    """One spec's part of the page: the summary and diagnostics, the drawing, the table, the charts, totals."""
    doc = json_report.analysis_dict(a, options)
    prefix = f"s{index}"
    name = _text(doc["name"] or doc["file"])
    parts = [f'<article class="spec" id="{prefix}"><h2>{name}<span class="file">{_text(doc["file"])}</span></h2>',
             _status(doc), _summary(doc), _diagnostics(doc, prefix)]
    if doc["answers"]:
        parts.append(f'<section id="{prefix}-answers"><h3>Answers (<code>expect:</code>)</h3>{_answers(doc)}</section>')
    if doc["layers"]:
        parts += [f'<section id="{prefix}-drawing"><h3>Drawing</h3><div class="drawing">{_drawing(a, prefix)}</div></section>',
                  _table(a, doc, prefix, connections), _cost(doc, prefix), _totals(doc, prefix)]
    parts.append("</article>")
    return "\n".join(parts)


@gc_paused()  # strings per cell: see calc.gc_paused
def page(analyses: Sequence[Analysis], options: Options | Sequence[Options] | None = None,
         connections: bool = False) -> str:
    """The whole page for one or more checked specs (one `check` run): valid HTML5, self-contained.
    `options` is one for every spec, or one per spec (each file's configured convention).

    Written in ASCII, everything else as character references (a name 'convé' as
    `conv&#233;`): the bytes are then the same whatever encoding the page is written in, and an
    ASCII terminal's escapes (render/output.py) can never reach the HTML. The stylesheet, where
    references mean nothing, is ASCII already."""
    each = list(options) if isinstance(options, Sequence) else [options or Options()] * len(analyses)
    names = [a.spec.name or a.spec.path for a in analyses]
    title = f"shapecalc: {names[0]}" if len(names) == 1 else f"shapecalc: {plural(len(names), 'spec')}"
    nav = ("<nav><ul>" + "".join(f'<li><a href="#s{i}">{_text(n)}</a></li>' for i, n in enumerate(names, 1))
           + "</ul></nav>") if len(names) > 1 else ""
    body = "\n".join(_article(a, o, connections, i) for i, (a, o) in enumerate(zip(analyses, each), 1))
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="shapecalc {__version__}">\n<title>{_text(title)}</title>\n'
            f"<style>{_STYLE}</style>\n</head>\n<body>\n"
            f'<header class="top"><h1>shapecalc report</h1><p>shapes, parameters, cost and memory</p></header>\n'
            f"{nav}\n{body}\n<footer>Made by shapecalc {__version__}; "
            f"counts are per input, shapes channels first without the batch.</footer>\n</body>\n</html>\n"
            ).encode("ascii", "xmlcharrefreplace").decode("ascii")
