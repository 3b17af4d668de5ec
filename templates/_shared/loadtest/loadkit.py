"""What this project adds to Locust: exact percentiles, gates, reports, a request budget, and
open-model load.

Imported by the locustfiles in this folder; it registers its own command-line options:

  --gates "p95<200,p99<500,error_rate<1%,rps>100"   pass/fail thresholds (exit code 1 when one fails)
  --requests N                                      send exactly N requests in all, then stop
  --rate N                                          open model: N requests a second, whatever the answers take
  --stages "30s:50,1m:200,30s:0"                    ramps: users (closed model) or, written 50/s, rates
  --find-max "p95<200"                              the highest rate that still meets these gates
  --timeout S / --warmup D                          per-request timeout; a first period left out of the figures
  --report-json FILE / --report-html FILE           a versioned JSON report / a self-contained HTML report
  --output text|json|html --save FILE               the original product's report flags

Latencies go into HDR histograms (microsecond resolution, 3 significant digits) fed from
Locust's request events and merged across workers, so a true 195 ms P95 reads 195 ms,
not Locust's rounded 200. In the open model each request has an intended send time on a
fixed schedule and its latency counts from then, not from when a free user got to it: a
server that falls behind shows its queue in the figures (coordinated omission corrected,
as wrk2 does), where a closed model would quietly send less.
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
import gevent.local
from charts import STYLE, line_chart, percent, percentile_chart, table_row
from hdrh.histogram import HdrHistogram
from locust import LoadTestShape, constant, events
from locust.contrib.fasthttp import FastHttpSession, FastHttpUser, LocustBadStatusCode
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

REPORT_SCHEMA = "backend-kit/loadtest-report"
REPORT_VERSION = 2
HIGHEST_US = 3_600_000_000  # one hour, in microseconds
PERCENTILES = (50, 75, 90, 95, 99, 99.9)


def new_histogram(digits: int = 3) -> HdrHistogram:
    return HdrHistogram(1, HIGHEST_US, digits)


class UsageError(ValueError):
    """A bad option: the message names it and the fix; the run exits 2 before it starts."""


DURATION = re.compile(r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s?)?$")


def parse_duration(text: str, option: str) -> float:
    """Seconds from 90, 90s, 1m30s or 1h."""
    match = DURATION.match(text.strip())
    if not text.strip() or not match or not any(match.groups()):
        raise UsageError(f"{option}: cannot read the duration {text!r}; write e.g. 30s, 1m, 1m30s or 90")
    return float(match["h"] or 0) * 3600 + float(match["m"] or 0) * 60 + float(match["s"] or 0)


@dataclass
class Stage:
    seconds: float
    target: float  # users (closed model) or requests a second (open model)


def parse_stages(text: str) -> tuple[list[Stage], bool]:
    """'30s:50,1m:200,30s:0' (users) or '30s:50/s,1m:200/s' (rates): the stages and whether they are rates.
    Each stage ramps linearly from the previous target (0 before the first) to its own."""
    stages, kinds = [], set()
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        duration, sep, target = part.partition(":")
        if not sep:
            raise UsageError(f"--stages: cannot read {part!r}; write DURATION:USERS or DURATION:RATE/s, e.g. 30s:50,1m:200,30s:0")
        rate = target.strip().endswith("/s")
        kinds.add(rate)
        number = target.strip().removesuffix("/s")
        try:
            value = float(number)
        except ValueError:
            raise UsageError(f"--stages: {target.strip()!r} in {part!r} is not a number of users or a rate like 50/s") from None
        seconds = parse_duration(duration, "--stages")
        if value < 0 or seconds <= 0:
            raise UsageError(f"--stages: {part!r} needs a duration above 0 and a target of 0 or more")
        stages.append(Stage(seconds, value))
    if not stages:
        raise UsageError("--stages is empty; write e.g. 30s:50,1m:200,30s:0")
    if len(kinds) > 1:
        raise UsageError("--stages mixes users and rates: write every target as users (50) or every one as a rate (50/s)")
    return stages, kinds.pop()


# --- recording -------------------------------------------------------------------------


class Series:
    """Counts and a latency histogram for one endpoint, one second or one step."""

    __slots__ = ("requests", "failures", "bytes", "histogram")

    def __init__(self, digits: int = 3):
        self.requests = self.failures = self.bytes = 0
        self.histogram = new_histogram(digits)

    def add(self, micros: int, size: int, failed: bool) -> None:
        self.requests += 1
        self.bytes += size
        self.failures += failed
        self.histogram.record_value(micros)

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
        self.users: dict[int, int] = {}  # second -> running users, sampled by the master (or the only process)
        self.offered: dict[int, float] = {}  # second -> the schedule's rate (open model)

    def reset(self) -> None:
        """A new run (Locust's test_start) or the web UI's reset: Locust clears its own figures then too."""
        self.endpoints: dict[str, Series] = {}
        self.seconds: dict[int, Series] = {}
        self.steps: dict[int, Series] = {}
        self.errors: dict[str, list] = {}  # category -> [count, example, status, endpoint, exception]
        self.warmup = 0  # requests left out of the figures
        self.late = 0  # open model: requests sent after their intended time (every user was busy)
        self.max_lag = 0.0
        self.first: float | None = None  # wall-clock time of the first and the last request
        self.last: float | None = None
        self.started_at = time.time()
        self.finished_at: float | None = None

    def record(self, request_type, name, micros: int, response_length, exception, response, step: int | None,
               took: float = 0.0) -> None:
        key = f"{request_type} {name}"
        moment = time.time()
        sent = moment - took  # throughput counts from the first request's start, not its answer
        if self.first is None or sent < self.first:
            self.first = sent
        self.last = moment
        size = response_length or 0
        failed = exception is not None
        series = self.endpoints.get(key)
        if series is None:
            series = self.endpoints[key] = Series()
        series.add(micros, size, failed)
        now = int(moment)
        second = self.seconds.get(now)
        if second is None:
            second = self.seconds[now] = Series(digits=2)
        second.add(micros, size, failed)
        if step is not None:
            self.steps.setdefault(step, Series()).add(micros, size, failed)
        if failed:
            status = getattr(response, "status_code", 0) or 0
            kind = failure_kind(exception)
            if isinstance(exception, LocustBadStatusCode):
                category = f"HTTP {status} on {key}"
            else:
                category = f"{kind}{f' (HTTP {status})' if status else ''} on {key}"
            entry = self.errors.get(category)
            if entry is None:
                self.errors[category] = [1, str(exception)[:200], status or None, key, kind]
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
            "warmup": self.warmup,
            "late": self.late,
            "maxLag": self.max_lag,
        }
        started = self.started_at
        self.reset()
        self.started_at = started
        return data

    def absorb(self, data: dict) -> None:
        if data.get("first") is not None:
            self.first = data["first"] if self.first is None else min(self.first, data["first"])
            self.last = data["last"] if self.last is None else max(self.last, data["last"])
        for key, dumped in data.get("endpoints", {}).items():
            self.endpoints.setdefault(key, Series()).merge(*dumped)
        for sec, dumped in data.get("seconds", {}).items():
            self.seconds.setdefault(int(sec), Series(digits=2)).merge(*dumped)
        for category, (count, *details) in data.get("errors", {}).items():
            entry = self.errors.setdefault(category, [0, *details])
            entry[0] += count
        self.warmup += data.get("warmup", 0)
        self.late += data.get("late", 0)
        self.max_lag = max(self.max_lag, data.get("maxLag", 0.0))


def failure_kind(exception) -> str:
    """What went wrong, by name: a timeout, or the exception (with the reason the HTTP client kept)."""
    text = str(exception)
    if "timed out" in text or isinstance(exception, (TimeoutError, gevent.Timeout)):
        return "Timeout"
    reason = text.partition("original=")[2]
    return f"{type(exception).__name__}: {reason[:80]}" if reason else type(exception).__name__


RECORDER = Recorder()


@dataclass
class Ticket:
    """What the request wrapper knew when a request left: how late it was against its intended
    send time (open model), whether it belongs to the warm-up, and the --find-max step."""

    lag: float = 0.0
    warm: bool = False
    step: int | None = None
    budgeted: bool = False
    settled: bool = False  # its request event came, or the user went on without one


_LOCAL = gevent.local.local()  # each simulated user's last budgeted ticket, until its event comes


def settle(ticket: Ticket) -> None:
    if ticket.budgeted and not ticket.settled:
        ticket.settled = True
        BUDGET.completed_one()


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, exception=None, response=None, context=None, **_kwargs):
    # The ticket travels in the request's own context, so a request made inside another's
    # `with ... catch_response=True` block cannot take the outer one's.
    ticket = (context or {}).get("loadkit") or Ticket()
    if ticket.warm:
        RECORDER.warmup += 1
    else:
        # Open model: the time spent waiting for a free user counts, as the client of a real service would see it.
        micros = min(max(int((response_time + ticket.lag * 1000) * 1000), 1), HIGHEST_US)
        RECORDER.record(request_type, name, micros, response_length, exception, response, ticket.step, response_time / 1000)
    settle(ticket)


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


# --- request budget, schedule and warm-up ---------------------------------------------------


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


class Schedule:
    """The open model's arrivals: request n is due when the integral of the rate reaches n.

    The rate is piecewise linear (constant for --rate, ramps for rate --stages), so each due time
    is solved exactly. Users take the next due slot in turn and sleep until it; a user that takes
    a slot already past (every user was busy) sends at once and its lag counts in the latency.
    """

    def __init__(self) -> None:
        self.active = False
        self.ready = gevent.event.Event()
        self.segments: list[tuple[float, float, float]] = []  # (seconds, rate from, rate to); inf seconds: for ever
        self.origin = 0.0
        self.taken = 0
        self.until = math.inf  # monotonic time after which no slot is handed out (a --find-max step's end)
        self.scale = 1.0  # this process's share of the whole rate (a worker's)
        self.label: int | None = None  # the --find-max step whose slots are being handed out

    def configure(self, rate: float = 0.0, stages: list[Stage] | None = None, share: float = 1.0) -> None:
        self.scale = share
        if stages:
            previous, self.segments = 0.0, []
            for stage in stages:
                self.segments.append((stage.seconds, previous * share, stage.target * share))
                previous = stage.target
        else:
            self.segments = [(math.inf, rate * share, rate * share)]
        self.active = True

    def begin(self) -> None:
        self.origin = time.monotonic()
        self.taken = 0
        self.ready.set()

    def pending(self) -> bool:
        """Whether a slot due before `until` is still to be taken (every user is busy)."""
        at = self.due(self.taken)
        return at is not None and self.origin + at < min(self.until, time.monotonic())

    def rate_at(self, elapsed: float) -> float:
        """This process's rate `elapsed` seconds after the start."""
        for seconds, r0, r1 in self.segments:
            if elapsed < seconds:
                return r0 + (r1 - r0) * (elapsed / seconds if math.isfinite(seconds) else 0)
            elapsed -= seconds
        return 0.0

    def due(self, n: float) -> float | None:
        """Seconds after the start at which the n-th arrival (from 0) is due; None after the last stage."""
        offset = 0.0
        for seconds, r0, r1 in self.segments:
            if not math.isfinite(seconds):
                return offset + n / r0 if r0 > 0 else None
            area = (r0 + r1) / 2 * seconds
            if n < area:
                if r0 == r1:
                    return offset + n / r0
                a = (r1 - r0) / (2 * seconds)
                return offset + (-r0 + math.sqrt(max(r0 * r0 + 4 * a * n, 0.0))) / (2 * a)
            n -= area
            offset += seconds
        return None

    def wait_turn(self) -> tuple[float, int | None]:
        """Waits for this user's next slot; returns how late the request leaves (seconds) and its step."""
        while True:
            if not self.ready.is_set():
                self.ready.wait()
            at = self.due(self.taken)
            if at is None:
                raise StopUser()  # the last stage is over
            if self.origin + at < self.until:
                break
            self.ready.clear()  # the step is over: wait for the next
        self.taken += 1
        label = self.label
        due = self.origin + at
        delay = due - time.monotonic()
        if delay > 0:
            gevent.sleep(delay)
        # A sleep that wakes late (a saturated load generator) is lateness too.
        return max(time.monotonic() - due, 0.0), label


BUDGET = Budget()
SCHEDULE = Schedule()
WARMUP = {"until": 0.0}  # monotonic time before which requests are warm-up
LATE_MS = 10.0  # a request this much behind its slot is counted late (below it: timer jitter of a busy generator)
_original_request = FastHttpSession.request


def _request(self, *args, **kwargs):
    # A request whose event never came (its `with ... catch_response=True` block raised) still
    # counts against the budget once its user goes on: otherwise a --requests run would wait for ever.
    previous = getattr(_LOCAL, "ticket", None)
    if previous is not None:
        settle(previous)
    ticket = Ticket()
    if SCHEDULE.active:
        ticket.lag, ticket.step = SCHEDULE.wait_turn()
    ticket.warm = time.monotonic() < WARMUP["until"]
    if ticket.lag * 1000 > LATE_MS and not ticket.warm:
        RECORDER.late += 1
        RECORDER.max_lag = max(RECORDER.max_lag, ticket.lag)
    if BUDGET.active and not ticket.warm:
        BUDGET.take()
        ticket.budgeted = True
        _LOCAL.ticket = ticket
    kwargs["context"] = {**(kwargs.get("context") or {}), "loadkit": ticket}
    return _original_request(self, *args, **kwargs)


FastHttpSession.request = _request


class StagesShape(LoadTestShape):
    """--stages for Locust: users ramp at each stage's slope (closed model); under rate stages the
    users stay at --users while the schedule ramps. The run ends after the last stage."""

    def __init__(self, stages: list[Stage], rates: bool, users: int) -> None:
        super().__init__()
        self.stages, self.rates, self.users = stages, rates, users

    def tick(self):
        elapsed = self.get_run_time()
        previous = 0.0
        for stage in self.stages:
            if elapsed < stage.seconds:
                if self.rates:
                    return (self.users, self.users)
                slope = abs(stage.target - previous) / stage.seconds
                return (int(round(stage.target)), max(slope, 1.0))
            elapsed -= stage.seconds
            previous = stage.target
        return None


# --- options and lifecycle ---------------------------------------------------------------

STATE: dict = {"gates": [], "summary": None, "find_max": None}
FIND_MAX_START = 10.0  # requests a second of the first --find-max step, unless --rate says otherwise
FIND_MAX_STEPS = 12
FIND_MAX_PRECISION = 0.05  # stop when the highest passing and the lowest failing rate are this close


@events.init_command_line_parser.add_listener
def _options(parser):
    group = parser.add_argument_group("backend-kit", "gates, reports, request budget and open-model load (loadtest/loadkit.py)")
    group.add_argument("--gates", default="", help="comma-separated thresholds, e.g. 'p95<200,p99<500,error_rate<1%%,rps>100'")
    group.add_argument("--requests", type=int, default=0, help="send exactly this many requests in all (after --warmup), then stop")
    group.add_argument("--rate", type=float, default=0.0, help="open model: requests a second, held whatever the answers take (latency counts from each request's intended send time)")
    group.add_argument("--stages", default="", help="ramps, each from the previous target: '30s:50,1m:200,30s:0' (users) or '30s:50/s,1m:200/s' (rates); the run ends after the last")
    group.add_argument("--find-max", default="", help="search for the highest rate that still meets these gates, e.g. 'p95<200,error_rate<1%%'")
    group.add_argument("--step-time", default="10s", help="--find-max: how long each rate is held (default 10s)")
    group.add_argument("--timeout", type=float, default=0.0, help="seconds a request may take before it fails (default: Locust's 60)")
    group.add_argument("--warmup", default="", help="a first period (e.g. 10s) whose requests are left out of the figures and the budget")
    group.add_argument("--report-json", default="", help="write the JSON report here")
    group.add_argument("--report-html", default="", help="write the HTML report here")
    group.add_argument("--output", choices=("text", "json", "html"), default="text", help="the report --save writes (text and json also print)")
    group.add_argument("--save", default="", help="write the --output report to this file")
    group.add_argument("--endpoint", default="", help="generic mode (loadtest/endpoint.py): the URL or path to call")
    group.add_argument("--method", default="GET", help="generic mode: HTTP method")
    group.add_argument("--data", default="", help="generic mode: file whose content is the JSON request body")
    group.add_argument("--headers", default="", help="generic mode: JSON file of extra request headers")


def plan(options) -> dict:
    """The run's model from its options; UsageError names a bad combination and the fix."""
    if options.requests < 0:
        raise UsageError("--requests must be 0 (no limit) or more")
    if options.output == "html" and not options.save:
        raise UsageError("--output html writes a file: add --save FILE (e.g. --save loadtest/reports/run.html)")
    if options.rate < 0:
        raise UsageError("--rate must be a number of requests a second above 0 (or 0 for the closed model)")
    if options.timeout < 0:
        raise UsageError("--timeout must be a number of seconds above 0")
    stages, rate_stages = parse_stages(options.stages) if options.stages else ([], False)
    if stages and options.rate:
        raise UsageError("--rate and --stages both set the load: write the rates as stages (e.g. --stages 30s:100/s,1m:100/s)")
    find_max = parse_gates(options.find_max) if options.find_max else []
    if options.find_max and not find_max:
        raise UsageError("--find-max needs the gates a rate must meet, e.g. --find-max 'p95<200,error_rate<1%'")
    if find_max and (stages or options.requests or options.warmup):
        raise UsageError("--find-max sets the rates and steps itself: leave out --stages, --requests and --warmup")
    return {
        "model": "open" if options.rate or rate_stages or find_max else "closed",
        "rate": options.rate or None,
        "stages": stages,
        "rate_stages": rate_stages,
        "find_max": find_max,
        "step_time": parse_duration(options.step_time, "--step-time") if find_max else None,
        "warmup": parse_duration(options.warmup, "--warmup") if options.warmup else 0.0,
    }


ORIGINAL: dict = {}  # each user class's own wait_time and timeouts, for a later closed-model run


def configure_users(environment, run: dict, options) -> None:
    """--timeout on every FastHttpUser class, and no wait between tasks in the open model (the schedule paces them)."""
    for user_class in environment.user_classes:
        if not issubclass(user_class, FastHttpUser):
            continue
        own = ORIGINAL.setdefault(user_class, (user_class.wait_time, user_class.network_timeout, user_class.connection_timeout))
        user_class.wait_time = constant(0) if run["model"] == "open" else own[0]
        user_class.network_timeout = options.timeout or own[1]
        user_class.connection_timeout = options.timeout or own[2]


@events.init.add_listener
def _init(environment, **_kwargs):
    options = environment.parsed_options
    if options is None:
        return
    try:
        STATE["gates"] = parse_gates(options.gates)
        STATE["plan"] = run = plan(options)
    except (GateError, UsageError) as exc:
        print(f"loadtest: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    runner = environment.runner
    if run["find_max"] and isinstance(runner, (MasterRunner, WorkerRunner)):
        print("loadtest: --find-max runs in one process: leave out --master/--processes (one process offers thousands of requests a second)",
              file=sys.stderr)
        raise SystemExit(2)
    configure_users(environment, run, options)
    if run["model"] == "open" and not run["stages"] and options.num_users:
        # The users are only the pool that sends the scheduled requests: all of them from the start,
        # or the first slots would wait for users still being spawned.
        options.spawn_rate = max(options.spawn_rate or 0, options.num_users)
    if run["stages"] and not isinstance(runner, WorkerRunner):
        environment.shape_class = StagesShape(run["stages"], run["rate_stages"], options.num_users or 1)
        environment.shape_class.runner = runner
    if isinstance(runner, WorkerRunner):
        # A worker learns its share of --requests and of the rate from the master (workers need not be given the options).
        def on_budget(environment, msg, **_kw):
            BUDGET.on_done = lambda: runner.send_message("loadkit_budget_done", BUDGET.issued)
            BUDGET.start(int(msg.data))

        def on_schedule(environment, msg, **_kw):
            stages = [Stage(*stage) for stage in msg.data["stages"]] or None
            SCHEDULE.configure(msg.data["rate"], stages, msg.data["share"])
            SCHEDULE.begin()

        runner.register_message("loadkit_budget", on_budget)
        runner.register_message("loadkit_schedule", on_schedule)
        environment.events.report_to_master.add_listener(lambda client_id, data: data.__setitem__("loadkit", RECORDER.drain()))
        environment.events.spawning_complete.add_listener(lambda user_count: environment.reset_stats and RECORDER.reset())
        return
    if isinstance(runner, MasterRunner):
        environment.events.worker_report.add_listener(lambda client_id, data: RECORDER.absorb(data.get("loadkit", {})))
        if options.requests:
            finished: dict[str, int] = {}

            def on_worker_done(environment, msg, **_kw):
                finished[msg.node_id] = int(msg.data)
                if len(finished) >= len(SHARES):
                    gevent.spawn_later(0.5, runner.quit)  # after the workers' final reports

            runner.register_message("loadkit_budget_done", on_worker_done)
    elif options.requests:
        BUDGET.on_done = runner.quit
    # Locust clears its figures when a run starts, on the web UI's reset and, with --reset-stats, once every user runs.
    environment.events.reset_stats.add_listener(RECORDER.reset)
    environment.events.spawning_complete.add_listener(lambda user_count: environment.reset_stats and RECORDER.reset())


SHARES: dict[str, int] = {}


@events.test_start.add_listener
def _test_start(environment, **_kwargs):
    options = environment.parsed_options
    if options is None:
        return
    runner = environment.runner
    run = plan(options) if isinstance(runner, WorkerRunner) else STATE["plan"]  # a worker's options come from the master
    WARMUP["until"] = time.monotonic() + run["warmup"]
    if isinstance(runner, WorkerRunner):
        configure_users(environment, run, options)  # before its users spawn
        RECORDER.reset()
        return
    RECORDER.reset()
    RECORDER.users.clear()
    RECORDER.offered.clear()
    if run["model"] == "open" and not run["find_max"]:
        SCHEDULE.configure(run["rate"] or 0.0, run["stages"] if run["rate_stages"] else None)
        SCHEDULE.begin()
    if isinstance(runner, MasterRunner):
        workers = sorted(client.id for client in runner.clients.all)
        for index, client_id in enumerate(workers):
            if options.requests:
                share, extra = divmod(options.requests, max(len(workers), 1))
                SHARES[client_id] = share + (1 if index < extra else 0)
                runner.send_message("loadkit_budget", SHARES[client_id], client_id=client_id)
            if run["model"] == "open":
                stages = [[stage.seconds, stage.target] for stage in run["stages"]] if run["rate_stages"] else []
                runner.send_message("loadkit_schedule", {"rate": run["rate"] or 0.0, "stages": stages, "share": 1 / len(workers)},
                                    client_id=client_id)
        SCHEDULE.active = False  # the master sends nothing; its schedule only tells the report what was offered
    elif options.requests:
        BUDGET.start(options.requests)
    gevent.spawn(_sample, runner)
    if run["find_max"]:
        gevent.spawn(_find_max, environment, run)


def _sample(runner) -> None:
    """Users and offered rate, once a second, for the report's timeline."""
    while runner.state not in ("stopping", "stopped", "cleanup"):
        now = int(time.time())
        RECORDER.users[now] = runner.user_count
        if SCHEDULE.ready.is_set():
            RECORDER.offered[now] = SCHEDULE.rate_at(time.monotonic() - SCHEDULE.origin) / SCHEDULE.scale
        gevent.sleep(1 - time.time() % 1 + 0.001)


def _find_max(environment, run: dict) -> None:
    """Holds a rate for --step-time, judges the step by the gates, then doubles (or halves) the rate
    until a step fails (or passes), and bisects between the highest passing and the lowest failing."""
    options = environment.parsed_options
    gates, seconds = run["find_max"], run["step_time"]
    rate = options.rate or FIND_MAX_START
    best = worst = None
    steps = STATE["find_max"] = []
    grace = (options.timeout or FastHttpUser.network_timeout) + 5
    while len(steps) < FIND_MAX_STEPS:
        index = len(steps)
        SCHEDULE.configure(rate)
        SCHEDULE.label = index
        SCHEDULE.until = time.monotonic() + seconds
        SCHEDULE.begin()
        gevent.sleep(seconds)
        # Wait for every slot of the step to be sent and answered: a slow answer is part of the step.
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and (
            SCHEDULE.pending() or RECORDER.steps.get(index, Series()).requests < SCHEDULE.taken
        ):
            gevent.sleep(0.05)
        SCHEDULE.ready.clear()
        answered_in = time.monotonic() - SCHEDULE.origin  # from the step's first slot to its last answer
        summary = summarize(RECORDER.steps.get(index, Series()), seconds)
        results = [(gate, gate.actual(summary)) for gate in gates]
        passed = summary["requests"] > 0 and all(gate.passes(value) for gate, value in results)
        steps.append({
            "rate": round(rate, 3), "sent": SCHEDULE.taken, "achievedRps": round(summary["requests"] / max(answered_in, seconds), 3),
            "latencyMs": summary["latencyMs"], "errorRate": summary["errorRate"], "passed": passed,
            "missed": [gate.describe(value) for gate, value in results if not gate.passes(value)],
        })
        if passed:
            best = rate
            STATE["find_max_rate"] = best  # kept if the search is cut short (Ctrl+C, --run-time)
        else:
            worst = rate
        if best is not None and worst is not None:
            if (worst - best) / best <= FIND_MAX_PRECISION:
                break
            rate = (best + worst) / 2
        elif best is not None:
            rate *= 2
        else:
            rate /= 2
            if rate < 0.5:
                break
    environment.runner.quit()


@events.quitting.add_listener
def _quitting(environment, **_kwargs):
    runner = environment.runner
    if isinstance(runner, WorkerRunner) or environment.parsed_options is None:
        return
    # Locust fires this before it stops the users; stop them first, so that the report counts
    # exactly what Locust's own figures count, however the run ends (budget, time, signal, web UI).
    runner.quit()
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
    if report["gates"] or report.get("findMax"):
        if not report["passed"]:
            environment.process_exit_code = 1
        elif not runner.exceptions:  # failures the gates allow pass; an error in the locustfile still fails
            environment.process_exit_code = 0


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
    run = STATE.get("plan") or {"model": "closed", "rate": None, "stages": [], "rate_stages": False, "warmup": 0.0}
    origin = seconds[0] if seconds else min(recorder.users, default=0)
    end = seconds[-1] if seconds else max(recorder.users, default=0)
    timeline_seconds = sorted(set(seconds) | {sec for sec in recorder.users if origin <= sec <= end})
    empty = Series(digits=2)
    find_max = None
    if STATE["find_max"] is not None:
        find_max = {
            "gates": options.find_max,
            "stepSeconds": run["step_time"],
            "steps": STATE["find_max"],
            "maxRate": STATE.get("find_max_rate"),
        }
    passed = (all(g["passed"] for g in gates) and (find_max is None or find_max["maxRate"] is not None)
              and (total["requests"] > 0 or not (gates or find_max)))  # nothing answered is nothing to pass
    return {
        "schema": REPORT_SCHEMA,
        "version": REPORT_VERSION,
        "startedAt": datetime.fromtimestamp(started, timezone.utc).isoformat(),
        "finishedAt": datetime.fromtimestamp(finished, timezone.utc).isoformat(),
        "durationSeconds": round(active, 3),
        "target": environment.host or "",
        "model": run["model"],
        "rate": run["rate"],
        "stages": [{"seconds": st.seconds, "target": st.target} for st in run["stages"]],
        "stageUnit": ("requests/s" if run["rate_stages"] else "users") if run["stages"] else None,
        "users": getattr(options, "num_users", None),
        "requestBudget": options.requests or None,
        "timeoutSeconds": options.timeout or FastHttpUser.network_timeout,
        "warmup": {"seconds": run["warmup"], "requests": recorder.warmup},
        "late": {"requests": recorder.late, "maxLagMs": round(recorder.max_lag * 1000, 3)} if run["model"] == "open" else None,
        "aggregate": total,
        "endpoints": sorted(
            ({"name": key, **summarize(series, active)} for key, series in recorder.endpoints.items()), key=lambda e: e["name"]
        ),
        "errors": sorted(
            (
                {"category": category, "count": count, "example": example, "status": status, "endpoint": endpoint, "exception": kind}
                for category, (count, example, status, endpoint, kind) in recorder.errors.items()
            ),
            key=lambda e: (-e["count"], e["category"]),
        ),
        "timeline": [
            {
                "second": sec - origin,
                "requests": recorder.seconds.get(sec, empty).requests,
                "failures": recorder.seconds.get(sec, empty).failures,
                "p50": recorder.seconds.get(sec, empty).histogram.get_value_at_percentile(50) / 1000,
                "p95": recorder.seconds.get(sec, empty).histogram.get_value_at_percentile(95) / 1000,
                "p99": recorder.seconds.get(sec, empty).histogram.get_value_at_percentile(99) / 1000,
                "users": recorder.users.get(sec),
                "offeredRps": round(recorder.offered[sec], 3) if sec in recorder.offered else None,
            }
            for sec in timeline_seconds
        ],
        "percentiles": percentile_curve(combined.histogram),
        "gates": gates,
        "findMax": find_max,
        "passed": passed,
    }


def percentile_curve(histogram: HdrHistogram) -> list[dict]:
    if not histogram.get_total_count():
        return []
    points = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100]
    return [{"percentile": p, "ms": histogram.get_value_at_percentile(p) / 1000} for p in points]


def duration_text(seconds: float) -> str:
    """A run's length as people read it: milliseconds under a second (a short run is not "0.0 s")."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def model_text(report: dict) -> str:
    """The run's model in words: what was held constant, and what it means for the figures."""
    if report.get("findMax"):
        return f"open model, searching for the highest rate that meets {report['findMax']['gates']}"
    if report.get("model") == "open":
        offered = f"{report['rate']:g} req/s offered" if report.get("rate") else "rates ramped by stages"
        return f"open model, {offered}; latency counts from each request's intended send time"
    if report.get("stages"):
        return "closed model, users ramped by stages: each user sends again when answered"
    return "closed model: each user sends again when answered"


def render_text(report: dict) -> str:
    total = report["aggregate"]
    lat = total["latencyMs"]
    lines = [
        "",
        f"Load test of {report['target']}: {total['requests']} requests in {duration_text(report['durationSeconds'])}"
        + (f" by {report['users']} users" if report["users"] else ""),
        f"  model        {model_text(report)}",
        f"  throughput   {total['rps']:.1f} req/s, {total['mbps']:.3f} MB/s",
        f"  success      {percent(1 - total['errorRate'])} ({total['failures']} failed)",
        f"  latency ms   min {lat['min']:.1f}  avg {lat['avg']:.1f}  p50 {lat['p50']:.1f}  p90 {lat['p90']:.1f}  "
        f"p95 {lat['p95']:.1f}  p99 {lat['p99']:.1f}  max {lat['max']:.1f}",
    ]
    warm = report.get("warmup") or {}
    if warm.get("seconds"):
        lines.append(f"  warm-up      first {warm['seconds']:g} s left out ({warm['requests']} requests)")
    late = report.get("late")
    if late and late["requests"]:
        lines.append(f"  late         {late['requests']} requests left more than 10 ms after their intended time (up to {late['maxLagMs']:.0f} ms) "
                     "because every user was busy: the server fell behind, or add --users")
    if report["errors"]:
        lines.append("  errors")
        lines += [f"    {e['count']:>7}  {e['category']}  e.g. {e['example']}" for e in report["errors"]]
    if report.get("findMax"):
        search = report["findMax"]
        lines.append(f"  rate search  {search['stepSeconds']:g} s a step, gates {search['gates']}")
        for step in search["steps"]:
            verdict = "pass" if step["passed"] else "FAIL " + "; ".join(step["missed"])
            lines.append(f"    {step['rate']:>9.1f} req/s offered  {step['achievedRps']:>9.1f} answered/s  "
                         f"p95 {step['latencyMs']['p95']:.1f} ms  {verdict}")
        lines.append("  highest rate " + (f"{search['maxRate']:.1f} req/s meets {search['gates']}" if search["maxRate"] is not None
                                          else f"none: even the lowest rate missed {search['gates']} (exit code 1)"))
    if report["gates"]:
        lines.append("  gates")
        lines += [f"    {g['message']}" for g in report["gates"]]
        lines.append("  result       " + ("all gates passed" if report["passed"] else
                                          "FAILED: no request was answered (exit code 1)" if not total["requests"] else
                                          "FAILED: a gate was missed (exit code 1)"))
    return "\n".join(lines)


def render_html(report: dict) -> str:
    total = report["aggregate"]
    lat = total["latencyMs"]
    timeline = report["timeline"]
    charts = [
        line_chart("Latency over time", {
            name: (colour, [(t["second"], t[name]) for t in timeline if t["requests"]])
            for name, colour in (("p50", "#2b7bb9"), ("p95", "#e08a1e"), ("p99", "#c0392b"))
        }, "time since the first request (s)", "latency (ms)"),
        line_chart("Throughput over time", {
            "answered": ("#27ae60", [(t["second"], t["requests"]) for t in timeline]),
            "failed": ("#c0392b", [(t["second"], t["failures"]) for t in timeline]),
            **({"offered": ("#7f8c8d", [(t["second"], t["offeredRps"]) for t in timeline if t.get("offeredRps") is not None])}
               if report.get("model") == "open" else {}),
        }, "time since the first request (s)", "requests per second"),
        line_chart("Users over time", {"users": ("#2c3e50", [(t["second"], t["users"]) for t in timeline if t.get("users") is not None])},
                   "time since the first request (s)", "simulated users"),
        percentile_chart("Latency by percentile", {"latency": ("#8e44ad", report["percentiles"])}),
    ]
    endpoint_rows = "".join(
        table_row([e["name"], e["requests"], e["failures"], f"{e['rps']:.1f}", *(f"{e['latencyMs'][k]:.1f}" for k in ("avg", "p50", "p95", "p99", "max"))])
        for e in report["endpoints"]
    )
    gate_rows = "".join(table_row(["pass" if g["passed"] else "FAIL", g["message"]]) for g in report["gates"]) or table_row(["", "no gates set"])
    error_rows = "".join(
        table_row([e["count"], e["status"] or "", e["endpoint"], e["exception"], e["example"]]) for e in report["errors"]
    ) or table_row(["0", "", "no errors", "", ""])
    search = ""
    if report.get("findMax"):
        found = report["findMax"]
        rows = "".join(table_row([f"{s['rate']:.1f}", f"{s['achievedRps']:.1f}", f"{s['latencyMs']['p95']:.1f}", f"{s['latencyMs']['p99']:.1f}",
                                  "pass" if s["passed"] else "FAIL: " + "; ".join(s["missed"])]) for s in found["steps"])
        best = f"{found['maxRate']:.1f} req/s" if found["maxRate"] is not None else "none"
        search = (f"<h2>Rate search</h2><p>Highest rate meeting {html.escape(found['gates'])}: <strong>{best}</strong> "
                  f"({found['stepSeconds']:g} s a step).</p><table>"
                  f"{table_row(['offered req/s', 'answered req/s', 'p95 ms', 'p99 ms', 'verdict'], 'th')}{rows}</table>")
    verdict = "" if not (report["gates"] or report.get("findMax")) else (
        "<p class=pass>All gates passed.</p>" if report["passed"] else "<p class=fail>A gate was missed.</p>")
    warm = report.get("warmup") or {}
    late = report.get("late") or {}
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load test report</title>
<style>{STYLE}</style></head>
<body><h1>Load test report</h1>
<dl><dt>Target</dt><dd>{html.escape(report['target'])}</dd><dt>Started</dt><dd>{report['startedAt']}</dd>
<dt>Model</dt><dd>{html.escape(model_text(report))}</dd>
<dt>Duration</dt><dd>{duration_text(report['durationSeconds'])}</dd><dt>Users</dt><dd>{report['users'] or ''}</dd>
<dt>Requests</dt><dd>{total['requests']} ({total['failures']} failed, {percent(total['errorRate'])})</dd>
<dt>Warm-up</dt><dd>{f"{warm['seconds']:g} s, {warm['requests']} requests left out" if warm.get('seconds') else 'none'}</dd>
<dt>Late</dt><dd>{f"{late['requests']} requests (up to {late['maxLagMs']:.0f} ms)" if late else 'not measured (closed model)'}</dd>
<dt>Throughput</dt><dd>{total['rps']:.1f} req/s, {total['mbps']:.3f} MB/s</dd>
<dt>Latency</dt><dd>min {lat['min']:.1f} ms, avg {lat['avg']:.1f} ms, P50 {lat['p50']:.1f} ms, P95 {lat['p95']:.1f} ms, P99 {lat['p99']:.1f} ms, max {lat['max']:.1f} ms</dd></dl>
{verdict}
<h2>Gates</h2><table>{gate_rows}</table>
{search}
{"".join(charts)}
<h2>Endpoints</h2><table>{table_row(['endpoint', 'requests', 'failures', 'req/s', 'avg ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], 'th')}{endpoint_rows}</table>
<h2>Errors</h2><table>{table_row(['count', 'status', 'endpoint', 'exception', 'example'], 'th')}{error_rows}</table>
<p>Report format {REPORT_SCHEMA} v{REPORT_VERSION}. Percentiles from HDR histograms (3 significant digits).</p>
</body></html>
"""
