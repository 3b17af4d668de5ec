"""Compare two load-test reports (loadtest/reports/*.json) against improvement targets.

  python loadtest/compare.py BASELINE.json CURRENT.json [--target avg=-30%] [--target p95<200] ...
      [--html FILE] [--force]

Default targets: average latency 30% lower, RPS 50% higher, P95 under 200 ms and error rate
under 1% in the current run. Runs are compared only when they measured the same thing: the
same endpoints (method and name) under the same model (closed or open, at the same rate);
otherwise compare names the difference and stops (--force compares anyway, with a warning).
--html writes both runs' percentile curves on one chart, and their figures side by side.
Exit code 0 when every target is met, 1 when one is missed, 2 when the reports cannot be read
or compared.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path

from charts import STYLE, percent, percentile_chart, table_row

DEFAULT_TARGETS = ["avg=-30%", "rps=+50%", "p95<200", "error_rate<1%"]
METRICS = {
    "avg": ("average latency", "ms", lambda r: r["aggregate"]["latencyMs"]["avg"]),
    "p50": ("P50 latency", "ms", lambda r: r["aggregate"]["latencyMs"]["p50"]),
    "p95": ("P95 latency", "ms", lambda r: r["aggregate"]["latencyMs"]["p95"]),
    "p99": ("P99 latency", "ms", lambda r: r["aggregate"]["latencyMs"]["p99"]),
    "rps": ("throughput", "req/s", lambda r: r["aggregate"]["rps"]),
    "error_rate": ("error rate", "", lambda r: r["aggregate"]["errorRate"]),
}
RELATIVE = re.compile(r"^(?P<metric>\w+)=(?P<sign>[+-])(?P<value>\d+(\.\d+)?)%$")
ABSOLUTE = re.compile(r"^(?P<metric>\w+)(?P<op><=|>=|<|>)(?P<value>\d+(\.\d+)?)(?P<pct>%)?$")


def signed_percent(fraction: float) -> str:
    return f"{fraction * 100:+.1f}%"


def load(path: str) -> dict:
    try:
        report = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        print(f"compare: cannot read {path}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if report.get("schema") != "backend-kit/loadtest-report" or report.get("version") not in (1, 2):
        print(f"compare: {path} is not a version 1 or 2 load-test report (made by loadtest/loadkit.py)", file=sys.stderr)
        raise SystemExit(2)
    return report


def model(report: dict) -> str:
    if report.get("model") == "open":
        return f"open model at {report['rate']:g} req/s" if report.get("rate") else "open model with rate stages"
    return "closed model"


def differences(baseline: dict, current: dict) -> list[str]:
    """What makes two runs measure different things; empty when they are comparable."""
    found = []
    before = {e["name"] for e in baseline["endpoints"]}
    after = {e["name"] for e in current["endpoints"]}
    if before != after:
        only_before, only_after = sorted(before - after), sorted(after - before)
        found.append("they called different endpoints: "
                     + "; ".join(part for part in (f"only the baseline {', '.join(only_before)}" if only_before else "",
                                                   f"only the current run {', '.join(only_after)}" if only_after else "") if part))
    if model(baseline) != model(current):
        found.append(f"the baseline ran the {model(baseline)}, the current run the {model(current)}")
    if baseline.get("target") and current.get("target") and baseline["target"] != current["target"]:
        found.append(f"note: the targets differ ({baseline['target']} and {current['target']})")
    return found


def fmt(metric: str, value: float) -> str:
    unit = METRICS[metric][1]
    return percent(value) if metric == "error_rate" else f"{value:.1f} {unit}"


def check(target: str, baseline: dict, current: dict) -> tuple[bool, str]:
    text = target.replace(" ", "")
    if match := RELATIVE.match(text):
        metric, wanted = match["metric"], float(match["value"]) / 100
        if metric not in METRICS:
            raise ValueError(target)
        before, after = METRICS[metric][2](baseline), METRICS[metric][2](current)
        change = (after - before) / before if before else 0.0
        met = change <= -wanted if match["sign"] == "-" else change >= wanted
        want = f"{'lower' if match['sign'] == '-' else 'higher'} by {percent(wanted, 0)} or more"
        return met, f"{METRICS[metric][0]}: {fmt(metric, before)} -> {fmt(metric, after)} ({signed_percent(change)}); wanted {want}"
    if match := ABSOLUTE.match(text):
        metric, op, limit = match["metric"], match["op"], float(match["value"]) / (100 if match["pct"] else 1)
        if metric not in METRICS:
            raise ValueError(target)
        value = METRICS[metric][2](current)
        met = {"<": value < limit, "<=": value <= limit, ">": value > limit, ">=": value >= limit}[op]
        return met, f"{METRICS[metric][0]}: {fmt(metric, value)} now; wanted {op} {fmt(metric, limit)}"
    raise ValueError(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loadtest compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline")
    parser.add_argument("current")
    parser.add_argument("--target", action="append", help=f"repeatable; default: {' '.join(DEFAULT_TARGETS)}")
    parser.add_argument("--html", default="", help="write an HTML comparison (both percentile curves on one chart) here")
    parser.add_argument("--force", action="store_true", help="compare runs that measured different things (with a warning)")
    args = parser.parse_args(argv)
    baseline, current = load(args.baseline), load(args.current)
    problems = [d for d in differences(baseline, current) if not d.startswith("note:")]
    for note in differences(baseline, current):
        if note.startswith("note:"):
            print(f"compare: {note}", file=sys.stderr)
    if problems and not args.force:
        print("compare: these runs are not comparable: " + "; ".join(problems)
              + ". Run the same load again for the current run, or add --force to compare anyway.", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"compare: WARNING, compared anyway (--force): {problem}", file=sys.stderr)
    print(f"{'metric':<18}{'baseline':>14}{'current':>14}{'change':>10}")
    for metric, (label, _, get) in METRICS.items():
        before, after = get(baseline), get(current)
        change = signed_percent((after - before) / before) if before else "n/a"
        print(f"{label:<18}{fmt(metric, before):>14}{fmt(metric, after):>14}{change:>10}")
    missed = 0
    print()
    for target in args.target or DEFAULT_TARGETS:
        try:
            met, message = check(target, baseline, current)
        except ValueError:
            print(f"compare: cannot read the target {target!r}: write avg=-30%, rps=+50%, p95<200 or error_rate<1%; "
                  f"metrics: {', '.join(METRICS)}", file=sys.stderr)
            return 2
        missed += not met
        print(f"{'met   ' if met else 'MISSED'}  {message}")
    print("\nAll targets met." if not missed else f"\n{missed} target(s) missed.")
    if args.html:
        Path(args.html).parent.mkdir(parents=True, exist_ok=True)
        Path(args.html).write_text(render_html(args.baseline, baseline, args.current, current, problems))
        print(f"comparison written to {args.html}")
    return 0 if not missed else 1


def render_html(baseline_path: str, baseline: dict, current_path: str, current: dict, problems: list[str]) -> str:
    chart = percentile_chart("Latency by percentile, both runs", {
        f"baseline ({Path(baseline_path).name})": ("#7f8c8d", baseline["percentiles"]),
        f"current ({Path(current_path).name})": ("#c0392b", current["percentiles"]),
    })
    rows = ""
    for metric, (label, _, get) in METRICS.items():
        before, after = get(baseline), get(current)
        change = signed_percent((after - before) / before) if before else "n/a"
        rows += table_row([label, fmt(metric, before), fmt(metric, after), change])
    warning = "".join(f"<p class=fail>Compared anyway: {html.escape(p)}</p>" for p in problems)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load test comparison</title><style>{STYLE}</style></head>
<body><h1>Load test comparison</h1>{warning}
<dl><dt>Baseline</dt><dd>{html.escape(baseline_path)}: {html.escape(model(baseline))}, {baseline['aggregate']['requests']} requests, started {baseline['startedAt']}</dd>
<dt>Current</dt><dd>{html.escape(current_path)}: {html.escape(model(current))}, {current['aggregate']['requests']} requests, started {current['startedAt']}</dd></dl>
<table>{table_row(['metric', 'baseline', 'current', 'change'], 'th')}{rows}</table>
{chart}
</body></html>
"""


if __name__ == "__main__":
    sys.exit(main())
