"""The API fuzzed against its own document: schemathesis generates requests
for every operation of ``/openapi.json`` — valid ones and invalid ones —
sends them to a running server as each kind of caller, and checks every
answer: no 5xx, and the status, the content type and the body each as the
document declares (:mod:`api.responses`); plus peacemap's own rule that a
4xx is the JSON error body and a 400 or 422 names the field at fault.

Run by ``tests/api/test_fuzz.py`` (a seeded subset in every test run) and by
``bench/fuzz.py`` (10 000 cases and more), so both send the same requests
and judge them the same way. Needs the ``test`` extra (schemathesis)::

    report = fuzz(f"{server.url}/openapi.json", [Caller("editor", server.url, headers)], cases=1000, seed=1)
    assert not report.findings, report.describe()

Operations come from the document, so a route added later is fuzzed without
a word. Each operation gets the same share of the cases, split over the
callers by weight and, for each caller, between valid and invalid requests.
"""

from __future__ import annotations

import contextlib
import math
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import Case, CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from api.app import create_app
from api.live import LiveServer
from api.settings import ApiSettings
from geo.db import make_engine
from geo.demo import load_demo
from geo.keys import create_key

TIMEOUT_S = 120  # one request; the slowest are an analysis or an export of the whole (small) database
DEMO_SCALE = 0.001  # the demo at this scale: every resource has rows, every request stays cheap
DEMO_END = date(2024, 6, 30)
# Each caller's share of an operation's cases: the roles that get past the
# guards most, since that is where the code is; the refused ones enough to
# see every refusal documented.
WEIGHTS = {"editor": 4, "viewer": 2, "admin": 2, "anonymous": 1, "anonymous, public read": 1}


def error_names_field(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx is the JSON error body; a 400 or 422 names the field at fault."""
    status = response.status_code
    if not 400 <= status < 500:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"a {status} whose body is not JSON: {response.text[:200]!r}") from None
    if not (isinstance(body, dict) and isinstance(body.get("detail"), str) and isinstance(body.get("code"), str)):
        raise AssertionError(f"a {status} whose body is not the error body {{detail, code, …}}: {str(body)[:200]}")
    if status in (400, 422) and not body.get("field"):
        raise AssertionError(f"a {status} that names no field: {body['detail'][:200]!r}")
    return None


CHECKS: dict[str, Callable[..., bool | None]] = {
    "not_a_server_error": not_a_server_error,
    "status_code_conformance": status_code_conformance,
    "content_type_conformance": content_type_conformance,
    "response_schema_conformance": response_schema_conformance,
    "error_names_field": error_names_field,
}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass(frozen=True)
class Caller:
    """Who sends the requests: a server (``base_url``), the headers (its key,
    or none) and its share of each operation's cases (``weight``)."""

    name: str
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    weight: int = 1


@dataclass
class Finding:
    """One kind of failure: an operation, a caller, a check and a status;
    the first request that showed it and how often it was seen."""

    operation: str
    caller: str
    check: str
    status: int | None
    message: str
    reproduce: str
    seen: int = 1


@dataclass
class FuzzReport:
    cases: Counter[str] = field(default_factory=Counter)  # per operation
    callers: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    findings: dict[tuple[str, str, str, int | None], Finding] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    def failures_by_check(self) -> Counter[str]:
        """Failed requests per check (each check counted once per request)."""
        out: Counter[str] = Counter(dict.fromkeys(CHECKS, 0))
        for f in self.findings.values():
            out[f.check] += f.seen
        return out

    def add(self, finding: Finding) -> None:
        key = (finding.operation, finding.caller, finding.check, finding.status)
        if key in self.findings:
            self.findings[key].seen += 1
        else:
            self.findings[key] = finding

    def describe(self, limit: int = 40) -> str:
        """The findings, one paragraph each, for a failing test or the benchmark's output."""
        lines = [f"{len(self.findings)} kinds of failure in {self.total} cases:"]
        for f in list(self.findings.values())[:limit]:
            lines.append(f"- {f.check} ×{f.seen}: {f.operation} as {f.caller} → {f.status}: {f.message[:400]}")
            lines.append(f"    {f.reproduce[:600]}")
        return "\n".join(lines)


def _seed(seed: int, *parts: str) -> int:
    """A seed per operation, caller and mode, stable across runs and processes."""
    return zlib.crc32("|".join((str(seed), *parts)).encode())


def _message(exc: BaseException) -> str:
    if isinstance(exc, FailureGroup):
        return "; ".join(f"{f.title}: {f.message}".strip() for f in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


def _one(case: Case, caller: Caller, http: requests.Session, report: FuzzReport) -> None:
    """Send one case and judge the answer with every check."""
    label = case.operation.label
    reproduce = case.as_curl_command(headers=caller.headers)
    try:
        response = case.call(base_url=caller.base_url, headers=caller.headers, session=http, timeout=TIMEOUT_S)
    except requests.RequestException as exc:  # the server dropped the request: as bad as a 5xx
        report.cases[label] += 1
        report.add(Finding(label, caller.name, "not_a_server_error", None, _message(exc), reproduce))
        return
    report.cases[label] += 1
    report.callers[caller.name] += 1
    report.statuses[response.status_code] += 1
    for name, check in CHECKS.items():
        try:
            case.validate_response(response, checks=[check], headers=caller.headers)
        except FailureGroup as exc:
            report.add(Finding(label, caller.name, name, response.status_code, _message(exc), reproduce))


def _run(
    operation: Any,
    caller: Caller,
    mode: GenerationMode,
    n: int,
    seed: int,
    http,
    report: FuzzReport,
    salt: tuple[str, ...],
) -> None:
    settings = hypothesis.settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # failures are collected, not raised: nothing to shrink
        suppress_health_check=list(HealthCheck),
    )

    @settings
    @hypothesis.given(operation.as_strategy(generation_mode=mode))
    def cases(case: Case) -> None:
        _one(case, caller, http, report)

    with contextlib.suppress(hypothesis.errors.Unsatisfiable):  # no invalid request exists (no inputs)
        hypothesis.seed(_seed(seed, operation.label, caller.name, mode.value, *salt))(cases)()


def fuzz(
    schema_url: str,
    callers: Sequence[Caller],
    *,
    cases: int,
    seed: int = 0,
    select: Callable[[str], bool] | None = None,
    progress: Callable[[str, int, float], None] | None = None,
) -> FuzzReport:
    """Fuzz every operation of the document at ``schema_url`` as each caller.

    Parameters
    ----------
    schema_url
        The running server's ``/openapi.json``.
    callers
        Who sends the requests (each may target its own server, e.g. one
        with public read on).
    cases
        At least this many cases in all (an operation whose inputs are few,
        such as one without parameters, takes fewer than its share, and the
        others make up the difference), unless every operation runs out.
    seed
        The same seed generates the same requests.
    select
        Fuzz only the operations whose label (``GET /path``) it accepts (all when None).
    progress
        Called after each operation with its label, its cases and the seconds they took.

    Returns
    -------
    FuzzReport
        Cases per operation, caller and status, and the findings.
    """
    started = time.monotonic()
    schema = schemathesis.openapi.from_url(schema_url, timeout=TIMEOUT_S)
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # an operation schemathesis cannot read: the document is broken
            raise result.err()
        if select is None or select(result.ok().label):
            operations.append(result.ok())
    weights = sum(c.weight for c in callers)
    report = FuzzReport()
    # Rounds: each operation still open gets an equal share of the cases still
    # missing. An operation with few inputs (none, or only a path id) yields
    # fewer than its share and is closed; the others make up the difference
    # in the next round, with requests of a new seed, until ``cases`` are sent.
    todo, round_ = operations, 0
    with requests.Session() as http:
        while todo and report.total < cases:
            share = math.ceil((cases - report.total) / (len(todo) * weights))
            salt: tuple[str, ...] = (f"round {round_}",) if round_ else ()  # round 0: the seeds of before
            full = []
            for operation in todo:
                before, began = report.cases[operation.label], time.monotonic()
                for caller in callers:
                    n = share * caller.weight
                    for mode, k in zip(MODES, (n - n // 2, n // 2), strict=True):
                        if k:
                            _run(operation, caller, mode, k, seed, http, report, salt)
                sent = report.cases[operation.label] - before
                if sent >= share * weights:
                    full.append(operation)
                if progress:
                    progress(operation.label, sent, time.monotonic() - began)
            todo, round_ = full, round_ + 1
    report.seconds = time.monotonic() - started
    return report


@contextmanager
def fuzz_target(db_url: str, *, scale: float = DEMO_SCALE, seed: int = 11) -> Iterator[tuple[str, list[Caller]]]:
    """The real app over ``db_url`` (a migrated, empty database that the fuzzing
    may fill and empty at will), served twice — public read off and on — with
    the demo at ``scale`` and a key of each role. Yields the document's URL and
    the callers (:data:`WEIGHTS`): viewer, editor, admin and no key on the
    first server, no key on the second."""
    engine = make_engine(db_url)
    try:
        load_demo(engine, scale=scale, seed=seed, end=DEMO_END)
        with Session(engine) as session, session.begin():
            keys = {role: create_key(session, f"fuzz-{role}", role) for role in ("viewer", "editor", "admin")}
    finally:
        engine.dispose()
    private = LiveServer(create_app(ApiSettings(public_read=False), db_url=db_url))
    public = LiveServer(create_app(ApiSettings(public_read=True), db_url=db_url))
    try:
        callers = [
            Caller(role, private.url, {"Authorization": f"Bearer {key}"}, WEIGHTS[role]) for role, key in keys.items()
        ]
        callers.append(Caller("anonymous", private.url, {}, WEIGHTS["anonymous"]))
        callers.append(Caller("anonymous, public read", public.url, {}, WEIGHTS["anonymous, public read"]))
        yield f"{private.url}/openapi.json", callers
    finally:
        private.close()
        public.close()
