"""What this project adds to Locust: exact percentiles, gates, reports and a request budget.

Imported by the locustfiles in this folder; it registers its own command-line options:

  --gates "p95<200,p99<500,error_rate<1%,rps>100"   pass/fail thresholds (exit code 1 when one fails)
  --requests N                                      send exactly N requests in all, then stop
  --report-json FILE / --report-html FILE           a versioned JSON report / a self-contained HTML report

Latencies go into HDR histograms (microsecond resolution, 3 significant digits) fed from
Locust's request events and merged across workers, so a true 195 ms P95 reads 195 ms,
not Locust's rounded 200.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import gevent
import gevent.event
from hdrh.histogram import HdrHistogram
from locust import events
from locust.contrib.fasthttp import FastHttpSession
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

REPORT_SCHEMA = "backend-kit/loadtest-report"
REPORT_VERSION = 1
HIGHEST_US = 3_600_000_000  # one hour, in microseconds
PERCENTILES = (50, 75, 90, 95, 99, 99.9)


def percent(fraction: float, digits: int = 2) -> str:
    return f"{fraction * 100:.{digits}f}%"


def new_histogram(digits: int = 3) -> HdrHistogram:
    return HdrHistogram(1, HIGHEST_US, digits)


# --- recording -------------------------------------------------------------------------


class Series:
    """Counts and a latency histogram for one endpoint or one second."""

    __slots__ = ("requests", "failures", "bytes", "histogram")

    def __init__(self, digits: int = 3):
        self.requests = self.failures = self.bytes = 0
        self.histogram = new_histogram(digits)

    def merge(self, requests: int, failures: int, size: int, encoded: bytes) -> None:
        self.requests += requests
        self.failures += failures
        self.bytes += size
        self.histogram.add(HdrHistogram.decode(encoded))

    def dump(self) -> list:
        return [self.requests, self.failures, self.bytes, self.histogram.encode()]


class Recorder:
    def __init__(self) -> None:
        self.reset()
        self.first: float | None = None  # wall-clock time of the first and the last request
        self.last: float | None = None
        self.started_at = time.time()
        self.finished_at: float | None = None

    def reset(self) -> None:
        self.endpoints: dict[str, Series] = {}
        self.seconds: dict[int, Series] = {}
        self.errors: dict[str, list] = {}  # category -> [count, example]

    def record(self, request_type, name, response_time, response_length, exception, response) -> None:
        micros = min(max(int(response_time * 1000), 1), HIGHEST_US)
        key = f"{request_type} {name}"
        series = self.endpoints.get(key)
        if series is None:
            series = self.endpoints[key] = Series()
        moment = time.time()
        if self.first is None:
            self.first = moment
        self.last = moment
        now = int(moment)
        second = self.seconds.get(now)
        if second is None:
            second = self.seconds[now] = Series(digits=2)
        size = response_length or 0
        series.requests += 1
        series.bytes += size
        series.histogram.record_value(micros)
        second.requests += 1
        second.bytes += size
        second.histogram.record_value(micros)
        if exception is not None:
            series.failures += 1
            second.failures += 1
            category = error_category(exception, response)
            entry = self.errors.get(category)
            if entry is None:
                self.errors[category] = [1, f"{key}: {str(exception)[:200]}"]
            else:
                entry[0] += 1

    def drain(self) -> dict:
        """This process's data since the last report, for the master; then starts afresh."""
        data = {
            "first": self.first,
            "last": self.last,
            "endpoints": {key: s.dump() for key, s in self.endpoints.items()},
            "seconds": {str(sec): s.dump() for sec, s in self.seconds.items()},
            "errors": self.errors,
        }
        self.reset()
        return data

    def absorb(self, data: dict) -> None:
        if data.get("first") is not None:
            self.first = data["first"] if self.first is None else min(self.first, data["first"])
            self.last = data["last"] if self.last is None else max(self.last, data["last"])
        for key, dumped in data.get("endpoints", {}).items():
            self.endpoints.setdefault(key, Series()).merge(*dumped)
        for sec, dumped in data.get("seconds", {}).items():
            self.seconds.setdefault(int(sec), Series(digits=2)).merge(*dumped)
        for category, (count, example) in data.get("errors", {}).items():
            entry = self.errors.setdefault(category, [0, example])
            entry[0] += count


def error_category(exception, response) -> str:
    status = getattr(response, "status_code", 0) or 0
    if status >= 400:
        return f"HTTP {status // 100}xx"
    return f"exception: {type(exception).__name__}"


RECORDER = Recorder()


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, exception=None, response=None, **_kwargs):
    RECORDER.record(request_type, name, response_time, response_length, exception, response)
    if BUDGET.active:
        BUDGET.completed_one()


# --- summary ---------------------------------------------------------------------------


def summarize(series: Series, duration: float) -> dict:
    h = series.histogram
    count = h.get_total_count()
    latency = {
        "min": h.get_min_value() / 1000 if count else 0.0,
        "max": h.get_max_value() / 1000 if count else 0.0,
        "avg": h.get_mean_value() / 1000 if count else 0.0,
    }
    for p in PERCENTILES:
        latency[percentile_key(p)] = h.get_value_at_percentile(p) / 1000 if count else 0.0
    duration = max(duration, 1e-9)
    return {
        "requests": series.requests,
        "failures": series.failures,
        "errorRate": series.failures / series.requests if series.requests else 0.0,
        "rps": series.requests / duration,
        "bytes": series.bytes,
        "mbps": series.bytes / duration / 1_000_000,
        "latencyMs": {k: round(v, 3) for k, v in latency.items()},
    }


def percentile_key(p: float) -> str:
    return "p" + (str(p).replace(".", "") if p % 1 else str(int(p)))


def aggregate(recorder: Recorder) -> Series:
    total = Series()
    for series in recorder.endpoints.values():
        total.requests += series.requests
        total.failures += series.failures
        total.bytes += series.bytes
        total.histogram.add(series.histogram)
    return total


# --- gates -----------------------------------------------------------------------------

GATE = re.compile(r"^(?P<metric>[a-z0-9_]+)\s*(?P<op><=|>=|<|>)\s*(?P<value>[0-9]*\.?[0-9]+)\s*(?P<unit>ms|s|%)?$")
GATE_METRICS = {
    "avg": "ms", "min": "ms", "max": "ms", "p50": "ms", "p75": "ms", "p90": "ms", "p95": "ms", "p99": "ms", "p999": "ms",
    "rps": "", "mbps": "", "error_rate": "", "failures": "", "requests": "",
}


@dataclass
class Gate:
    text: str
    metric: str
    op: str
    threshold: float

    def actual(self, summary: dict) -> float:
        if self.metric in ("rps", "mbps", "failures", "requests"):
            return float(summary[self.metric])
        if self.metric == "error_rate":
            return float(summary["errorRate"])
        return float(summary["latencyMs"][self.metric])

    def passes(self, value: float) -> bool:
        return {"<": value < self.threshold, "<=": value <= self.threshold, ">": value > self.threshold, ">=": value >= self.threshold}[self.op]

    def show(self, value: float, spec: str = ".4g") -> str:
        """A value of this gate's metric with its unit (error rates as percentages)."""
        if self.metric == "error_rate":
            return percent(value)
        unit = GATE_METRICS[self.metric]
        return format(value, spec) + (f" {unit}" if unit else "")

    def describe(self, value: float) -> str:
        if self.passes(value):
            return f"PASS  {self.text}: {self.metric} is {self.show(value)}"
        gap = abs(value - self.threshold)
        relative = f" ({percent(gap / self.threshold, 0)})" if self.threshold else ""
        direction = "over" if self.op in ("<", "<=") else "under"
        return (
            f"FAIL  {self.text}: {self.metric} is {self.show(value)}, {self.show(gap)}{relative} {direction} "
            f"the limit of {self.show(self.threshold, 'g')}"
        )


class GateError(ValueError):
    pass


def parse_gates(spec: str | None) -> list[Gate]:
    gates = []
    for raw in (spec or "").split(","):
        text = raw.strip()
        if not text:
            continue
        match = GATE.match(text.replace(" ", ""))
        if not match or match["metric"] not in GATE_METRICS:
            raise GateError(
                f"cannot read the gate {text!r}: write METRIC<VALUE or METRIC>VALUE, e.g. p95<200, error_rate<1%, rps>500; "
                f"metrics: {', '.join(sorted(GATE_METRICS))}"
            )
        value = float(match["value"])
        unit = match["unit"]
        if unit == "s":
            value *= 1000
        elif unit == "%":
            value /= 100
        gates.append(Gate(text, match["metric"], match["op"], value))
    return gates


# --- request budget ---------------------------------------------------------------------


class Budget:
    """Exactly N requests in all: each request takes a ticket first; without one the user stops."""

    def __init__(self) -> None:
        self.active = False
        self.remaining: int | None = None
        self.ready = gevent.event.Event()
        self.issued = self.completed = 0
        self.on_done = None

    def start(self, total: int) -> None:
        self.active = True
        self.remaining = total
        self.ready.set()
        self._check_done()

    def take(self) -> None:
        if not self.ready.is_set():
            self.ready.wait()
        if self.remaining is None or self.remaining <= 0:
            raise StopUser()
        self.remaining -= 1
        self.issued += 1

    def completed_one(self) -> None:
        self.completed += 1
        self._check_done()

    def _check_done(self) -> None:
        if self.remaining == 0 and self.completed >= self.issued and self.on_done is not None:
            done, self.on_done = self.on_done, None
            gevent.spawn(done)


BUDGET = Budget()
_original_request = FastHttpSession.request


def _budgeted_request(self, *args, **kwargs):
    BUDGET.take()
    return _original_request(self, *args, **kwargs)


# --- options and lifecycle ---------------------------------------------------------------

STATE: dict = {"gates": [], "summary": None, "passed": None, "lines": []}


@events.init_command_line_parser.add_listener
def _options(parser):
    group = parser.add_argument_group("backend-kit", "gates, reports and the request budget (loadtest/loadkit.py)")
    group.add_argument("--gates", default="", help="comma-separated thresholds, e.g. 'p95<200,p99<500,error_rate<1%%,rps>100'")
    group.add_argument("--requests", type=int, default=0, help="send exactly this many requests in all, then stop")
    group.add_argument("--report-json", default="", help="write the JSON report here")
    group.add_argument("--report-html", default="", help="write the HTML report here")
    group.add_argument("--output", choices=("text", "json", "html"), default="text", help="the report --save writes (text and json also print)")
    group.add_argument("--save", default="", help="write the --output report to this file")
    group.add_argument("--endpoint", default="", help="generic mode (loadtest/endpoint.py): the URL or path to call")
    group.add_argument("--method", default="GET", help="generic mode: HTTP method")
    group.add_argument("--data", default="", help="generic mode: file whose content is the JSON request body")
    group.add_argument("--headers", default="", help="generic mode: JSON file of extra request headers")


@events.init.add_listener
def _init(environment, **_kwargs):
    options = environment.parsed_options
    if options is None:
        return
    try:
        STATE["gates"] = parse_gates(options.gates)
    except GateError as exc:
        print(f"loadtest: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if options.requests < 0:
        print("loadtest: --requests must be 0 (no limit) or more", file=sys.stderr)
        raise SystemExit(2)
    if options.output == "html" and not options.save:
        print("loadtest: --output html writes a file: add --save FILE (e.g. --save loadtest/reports/run.html)", file=sys.stderr)
        raise SystemExit(2)
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        # A worker learns its share of --requests from the master (workers need not be given the option).
        def on_budget(environment, msg, **_kw):
            FastHttpSession.request = _budgeted_request
            BUDGET.on_done = lambda: runner.send_message("loadkit_budget_done", BUDGET.issued)
            BUDGET.start(int(msg.data))

        runner.register_message("loadkit_budget", on_budget)
    elif options.requests and isinstance(runner, MasterRunner):
        finished: dict[str, int] = {}

        def on_worker_done(environment, msg, **_kw):
            finished[msg.node_id] = int(msg.data)
            if len(finished) >= len(SHARES):
                gevent.spawn_later(0.5, runner.quit)  # after the workers' final reports

        runner.register_message("loadkit_budget_done", on_worker_done)
    elif options.requests:
        FastHttpSession.request = _budgeted_request
        BUDGET.on_done = runner.quit
    if isinstance(runner, WorkerRunner):
        environment.events.report_to_master.add_listener(lambda client_id, data: data.__setitem__("loadkit", RECORDER.drain()))
    elif isinstance(runner, MasterRunner):
        environment.events.worker_report.add_listener(lambda client_id, data: RECORDER.absorb(data.get("loadkit", {})))


SHARES: dict[str, int] = {}


@events.test_start.add_listener
def _test_start(environment, **_kwargs):
    RECORDER.started_at = time.time()
    options = environment.parsed_options
    if not options or not options.requests:
        return
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        workers = sorted(client.id for client in runner.clients.all)
        share, extra = divmod(options.requests, max(len(workers), 1))
        for index, client_id in enumerate(workers):
            SHARES[client_id] = share + (1 if index < extra else 0)
            runner.send_message("loadkit_budget", SHARES[client_id], client_id=client_id)
    elif not isinstance(runner, WorkerRunner):
        BUDGET.start(options.requests)


@events.quitting.add_listener
def _quitting(environment, **_kwargs):
    if isinstance(environment.runner, WorkerRunner) or environment.parsed_options is None:
        return
    RECORDER.finished_at = time.time()
    report = build_report(environment)
    STATE["summary"] = report
    options = environment.parsed_options
    STATE["output"] = options.output
    if options.report_json:
        write(options.report_json, json.dumps(report, indent=2))
    if options.report_html:
        write(options.report_html, render_html(report))
    if options.save:
        write(options.save, {"text": render_text, "json": lambda r: json.dumps(r, indent=2), "html": render_html}[options.output](report))
    if report["gates"]:
        environment.process_exit_code = 0 if report["passed"] else 1


@events.quit.add_listener
def _quit(exit_code, **_kwargs):
    report = STATE["summary"]
    if report is not None:
        json_out = STATE.get("output") == "json"
        print(json.dumps(report, indent=2) if json_out else render_text(report), flush=True)


def write(path: str, content: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)


# --- seeded accounts ---------------------------------------------------------------------

SEED_PASSWORD = "seed-password"  # the password `npm run db:seed` gives seed-N@example.com
# Logins per Locust process, shared by its simulated users: the API allows one client
# AUTH_RATE_LIMIT_MAX credential calls a window (10 a minute by default).
SESSIONS = 4
NO_SEED = "no seeded account to log in as: run `npm run db:seed` against the API's database first"
_SESSIONS: dict[int, object] = {}
_TURNS = itertools.count()


def shared_session(log_in):
    """One of SESSIONS sessions of seeded accounts, for a simulated user. The first user to need a
    session calls `log_in(email)` (its session, or None once the failure is recorded); the others
    wait for it. Raises StopUser when there is none."""
    turn = next(_TURNS)
    slot = turn % SESSIONS
    if turn < SESSIONS:
        _SESSIONS[slot] = log_in(f"seed-{slot + 1}@example.com")
    deadline = time.monotonic() + 30
    while slot not in _SESSIONS and time.monotonic() < deadline:
        gevent.sleep(0.05)  # another user of this process is logging this session in
    session = _SESSIONS.get(slot)
    if session is None:
        raise StopUser()  # the failed login is already counted
    return session


# --- reports ---------------------------------------------------------------------------


def build_report(environment) -> dict:
    recorder = RECORDER
    seconds = sorted(recorder.seconds)
    started = recorder.started_at
    finished = recorder.finished_at or time.time()
    # Throughput is measured from the first to the last request: start-up and shutdown do not dilute it.
    first, last = recorder.first, recorder.last
    active = max(last - first, 0.001) if first is not None and last is not None else 0.0
    combined = aggregate(recorder)
    total = summarize(combined, active)
    gates = []
    for gate in STATE["gates"]:
        value = gate.actual(total)
        gates.append({"gate": gate.text, "metric": gate.metric, "op": gate.op, "threshold": gate.threshold, "actual": value,
                      "passed": gate.passes(value), "message": gate.describe(value)})
    options = environment.parsed_options
    origin = seconds[0] if seconds else 0
    return {
        "schema": REPORT_SCHEMA,
        "version": REPORT_VERSION,
        "startedAt": datetime.fromtimestamp(started, timezone.utc).isoformat(),
        "finishedAt": datetime.fromtimestamp(finished, timezone.utc).isoformat(),
        "durationSeconds": round(active, 3),
        "target": environment.host or "",
        "users": getattr(options, "num_users", None),
        "requestBudget": options.requests or None,
        "aggregate": total,
        "endpoints": sorted(
            ({"name": key, **summarize(series, active)} for key, series in recorder.endpoints.items()), key=lambda e: e["name"]
        ),
        "errors": sorted(
            ({"category": category, "count": count, "example": example} for category, (count, example) in recorder.errors.items()),
            key=lambda e: -e["count"],
        ),
        "timeline": [
            {
                "second": sec - origin,
                "requests": recorder.seconds[sec].requests,
                "failures": recorder.seconds[sec].failures,
                "p50": recorder.seconds[sec].histogram.get_value_at_percentile(50) / 1000,
                "p95": recorder.seconds[sec].histogram.get_value_at_percentile(95) / 1000,
                "p99": recorder.seconds[sec].histogram.get_value_at_percentile(99) / 1000,
            }
            for sec in seconds
        ],
        "percentiles": percentile_curve(combined.histogram),
        "gates": gates,
        "passed": all(g["passed"] for g in gates),
    }


def percentile_curve(histogram: HdrHistogram) -> list[dict]:
    if not histogram.get_total_count():
        return []
    points = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100]
    return [{"percentile": p, "ms": histogram.get_value_at_percentile(p) / 1000} for p in points]


def duration_text(seconds: float) -> str:
    """A run's length as people read it: milliseconds under a second (a short run is not "0.0 s")."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def render_text(report: dict) -> str:
    total = report["aggregate"]
    lat = total["latencyMs"]
    lines = [
        "",
        f"Load test of {report['target']}: {total['requests']} requests in {duration_text(report['durationSeconds'])}"
        + (f" by {report['users']} users" if report["users"] else ""),
        f"  throughput   {total['rps']:.1f} req/s, {total['mbps']:.3f} MB/s",
        f"  success      {percent(1 - total['errorRate'])} ({total['failures']} failed)",
        f"  latency ms   min {lat['min']:.1f}  avg {lat['avg']:.1f}  p50 {lat['p50']:.1f}  p90 {lat['p90']:.1f}  "
        f"p95 {lat['p95']:.1f}  p99 {lat['p99']:.1f}  max {lat['max']:.1f}",
    ]
    if report["errors"]:
        lines.append("  errors")
        lines += [f"    {e['count']:>7}  {e['category']}  e.g. {e['example']}" for e in report["errors"]]
    if report["gates"]:
        lines.append("  gates")
        lines += [f"    {g['message']}" for g in report["gates"]]
        lines.append("  result       " + ("all gates passed" if report["passed"] else "FAILED: a gate was missed (exit code 1)"))
    return "\n".join(lines)


def _polyline(points: list[tuple[float, float]], width: int, height: int, x_max: float, y_max: float, color: str) -> str:
    if not points:
        return ""
    xy = [(40 + x / max(x_max, 1e-9) * (width - 50), height - 20 - y / max(y_max, 1e-9) * (height - 30)) for x, y in points]
    line = f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in xy)}"/>'
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>' for x, y in xy) if len(xy) <= 60 else ""
    return line + dots


def _chart(title: str, series: dict[str, tuple[str, list[tuple[float, float]]]], x_label: str, y_label: str) -> str:
    width, height = 720, 260
    x_max = max((x for _, pts in series.values() for x, _ in pts), default=1)
    y_max = max((y for _, pts in series.values() for _, y in pts), default=1) * 1.1 or 1
    lines = "".join(_polyline(pts, width, height, x_max, y_max, color) for color, pts in series.values())
    legend = " ".join(f'<tspan fill="{color}">■ {html.escape(name)}</tspan>' for name, (color, _) in series.items())
    return (
        f'<figure><figcaption>{html.escape(title)}</figcaption><svg role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f'<line x1="40" y1="{height - 20}" x2="{width - 10}" y2="{height - 20}" stroke="#999"/><line x1="40" y1="10" x2="40" y2="{height - 20}" stroke="#999"/>'
        f'<text x="42" y="20" font-size="11">{y_max:.4g} {html.escape(y_label)}</text><text x="{width - 10}" y="{height - 5}" font-size="11" text-anchor="end">{x_max:.4g} {html.escape(x_label)}</text>'
        f'{lines}<text x="{width - 10}" y="20" font-size="12" text-anchor="end">{legend}</text></svg></figure>'
    )


STYLE = (
    "body { font: 14px system-ui, sans-serif; margin: 2rem; color: #222 } "
    "table { border-collapse: collapse; margin: 1rem 0 } "
    "td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left } "
    ".pass { color: #1e7e34 } .fail { color: #c0392b; font-weight: bold } "
    "figure { margin: 1rem 0 } figcaption { font-weight: bold } "
    "dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px }"
)


def render_html(report: dict) -> str:
    total = report["aggregate"]
    lat = total["latencyMs"]
    timeline = report["timeline"]
    latency_chart = _chart(
        "Latency over time",
        {name: (color, [(t["second"], t[name]) for t in timeline]) for name, color in (("p50", "#2b7bb9"), ("p95", "#e08a1e"), ("p99", "#c0392b"))},
        "s", "ms",
    )
    rps_chart = _chart("Requests per second", {"requests": ("#27ae60", [(t["second"], t["requests"]) for t in timeline]),
                                                "failures": ("#c0392b", [(t["second"], t["failures"]) for t in timeline])}, "s", "req/s")
    curve = report["percentiles"]
    # x is the number of nines (90 -> 1, 99 -> 2, 99.9 -> 3), so the tail gets the room it deserves.
    nines = [(math.log10(100 / max(100 - min(p["percentile"], 99.999), 1e-9)), p["ms"]) for p in curve]
    percentile_chart = _chart("Latency by percentile (x: nines, 1 = P90, 2 = P99, 3 = P99.9)", {"latency": ("#8e44ad", nines)}, "nines", "ms")

    def row(cells, tag="td"):
        return "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells) + "</tr>"

    endpoint_rows = "".join(
        row([e["name"], e["requests"], e["failures"], f"{e['rps']:.1f}", *(f"{e['latencyMs'][k]:.1f}" for k in ("avg", "p50", "p95", "p99", "max"))])
        for e in report["endpoints"]
    )
    gate_rows = "".join(row(["pass" if g["passed"] else "FAIL", g["message"]]) for g in report["gates"]) or row(["", "no gates set"])
    error_rows = "".join(row([e["count"], e["category"], e["example"]]) for e in report["errors"]) or row(["0", "no errors", ""])
    verdict = "" if not report["gates"] else ("<p class=pass>All gates passed.</p>" if report["passed"] else "<p class=fail>A gate was missed.</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load test report</title>
<style>{STYLE}</style></head>
<body><h1>Load test report</h1>
<dl><dt>Target</dt><dd>{html.escape(report['target'])}</dd><dt>Started</dt><dd>{report['startedAt']}</dd>
<dt>Duration</dt><dd>{report['durationSeconds']:.1f} s</dd><dt>Users</dt><dd>{report['users'] or ''}</dd>
<dt>Requests</dt><dd>{total['requests']} ({total['failures']} failed, {percent(total['errorRate'])})</dd>
<dt>Throughput</dt><dd>{total['rps']:.1f} req/s, {total['mbps']:.3f} MB/s</dd>
<dt>Latency</dt><dd>min {lat['min']:.1f} ms, avg {lat['avg']:.1f} ms, P50 {lat['p50']:.1f} ms, P95 {lat['p95']:.1f} ms, P99 {lat['p99']:.1f} ms, max {lat['max']:.1f} ms</dd></dl>
{verdict}
<h2>Gates</h2><table>{gate_rows}</table>
{latency_chart}{rps_chart}{percentile_chart}
<h2>Endpoints</h2><table>{row(['endpoint', 'requests', 'failures', 'req/s', 'avg ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], 'th')}{endpoint_rows}</table>
<h2>Errors</h2><table>{row(['count', 'category', 'example'], 'th')}{error_rows}</table>
<p>Report format {REPORT_SCHEMA} v{REPORT_VERSION}. Percentiles from HDR histograms (3 significant digits).</p>
</body></html>
"""
