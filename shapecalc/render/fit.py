"""`shapecalc fit`'s report as text (the valid sizes and their rule, then each fix with its
verdict) or as one JSON document, whose keys the README lists: a public contract."""

from __future__ import annotations

from typing import Any, Sequence

from ..version import __version__
from ..analysis.fit import FitReport, Option, Scan, labels_of
from ..diagnostics import Diagnostic
from ..layers.base import shape_str
from .narrow import paragraph, text_of
from .output import PIPE_WIDTH, json_text


def _sizes(valid: list[int], limit: int = 12) -> str:
    if not valid:
        return "none"
    shown = ", ".join(map(str, valid[:limit]))
    return shown + (f", ... ({len(valid)} sizes)" if len(valid) > limit else "")


def render(report: FitReport, width: int = PIPE_WIDTH) -> str:
    """The report with each line longer than width broken between words, further in (the width
    rule of every command: output.output_width)."""
    return text_of(paragraph([("\n".join(report_lines(report)), "")], width))


def report_lines(report: FitReport) -> list[str]:
    out = []
    shape = report.input_shape
    title = f"{report.path}: input {shape_str(shape)}"
    if report.problem:
        return [f"{title}: {report.problem}"]
    out.append(f"{title}: " + ("every layer fits" if report.fits else "does not fit"))
    out += [f"  cut by the work limit: {text}" for text in report.limits]
    if report.scans:
        s0 = report.scans[0]
        out.append("")
        out.append(f"Input sizes from {s0.low} to {s0.high} for which every layer fits:")
    labels = labels_of(shape)
    for s in report.scans:
        held = ", ".join(f"{labels[d]} = {n}" for d, n in sorted(s.held.items()))
        what = s.label if len(s.dims) == 1 else f"{s.label} (all equal)"
        out.append(f"  {what}{f' with {held}' if held else ''}: {_sizes(s.valid)}")
        if s.rule is None and s.valid:
            out.append("    no rule over so few sizes: widen --range")
        if s.rule is not None and s.valid and s.rule.terms:  # no terms: the few sizes listed are all
            label = s.label if len(s.dims) == 1 else " = ".join(labels[d] for d in s.dims)
            line = f"    rule: {s.rule.text(label)}"
            if s.rule.exceptions:
                line += f"; also {_sizes(s.rule.exceptions, 6)}"
            if len(s.strides) == 1:
                line += f" (the stride of {s.strides[0][0]})"
            elif s.strides:
                line += (f" ({s.rule.period} = {'*'.join(str(v) for _, v in s.strides)}, the strides of "
                         f"{', '.join(name for name, _ in s.strides)})")
            out.append(line)
    if report.fits:
        return out
    out.append("")
    out.append("Fixes, each checked by running the calculator again:")
    for option in report.nearest:
        verdict = "every layer fits" if option.network_fits else f"still wrong: {', '.join(option.still_wrong)}"
        out.append(f"  {option.change}: {verdict}")
        if option.network_fits and option.chain:
            out.append(f"    {'; '.join(option.chain)}")
    for fix in report.fixes:
        out.append(f"  {fix.name}: {fix.problem}")
        if fix.follows:
            out.append(f"    {fix.follows}")
        for option in fix.options:
            if option.network_fits:
                verdict = "every layer fits"
            elif option.layer_fits:
                verdict = f"{fix.name} fits, but {', '.join(option.still_wrong)} still {'does' if len(option.still_wrong) == 1 else 'do'} not"
            else:
                verdict = "still does not fit"
            out.append(f"    {option.change}: {option.formula}: {verdict}")
        if not fix.options and not fix.follows:
            out.append("    no padding, stride or ceil_mode change of this layer alone fits")
    return out


def _option(option: Option) -> dict[str, Any]:
    return {"change": option.change, "arithmetic": option.formula or None, "layer_fits": option.layer_fits,
            "network_fits": option.network_fits, "still_wrong": option.still_wrong, "chain": option.chain}


def _scan(s: Scan, labels: tuple[str, ...]) -> dict[str, Any]:
    rule = None
    if s.rule is not None and s.valid and s.rule.terms:  # the text shows a rule on the same terms
        label = s.label if len(s.dims) == 1 else " = ".join(labels[d] for d in s.dims)
        rule = {"text": s.rule.text(label), "period": s.rule.period,
                "terms": [{"offset": r, "from_k": k} for r, k in s.rule.terms],
                "exceptions": s.rule.exceptions, "strides": [{"layer": name, "stride": v} for name, v in s.strides]}
    return {"dims": [labels[d] for d in s.dims], "held": {labels[d]: n for d, n in sorted(s.held.items())},
            "low": s.low, "high": s.high, "valid": s.valid, "rule": rule}


def json_report(report: FitReport, diagnostics: Sequence[Diagnostic]) -> str:
    """The report as one JSON document on one line, as `check --format json` writes each file's;
    `diagnostics`: the spec's at its own input size."""
    labels = labels_of(report.input_shape) if report.input_shape else ()
    return json_text({
        "shapecalc_version": __version__,
        "file": report.path,
        "input_shape": list(report.input_shape) if report.input_shape is not None else None,
        "fits": report.fits,
        "problem": report.problem,
        "limits": report.limits,
        "scans": [_scan(s, labels) for s in report.scans],
        "nearest_inputs": [_option(o) for o in report.nearest],
        "layer_fixes": [{"layer": fix.name, "problem": fix.problem, "follows": fix.follows,
                         "options": [_option(o) for o in fix.options]} for fix in report.fixes],
        "diagnostics": [d.to_dict() for d in diagnostics],
    }) + "\n"
