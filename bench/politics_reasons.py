"""What writing the local-politics reasons from their codes costs
(docs/politics.md#reasons): the sentences of who was heard, per community,
at the demo's reference engagement count (100 000 engagements), written
from the codes by :func:`geo.reasons.with_text` in English and in French,
against the baseline of the same run — the f-strings the analysis wrote
before the reasons became codes (copied here) — and against the analysis
itself (:func:`geo.politics.constituencies.hearing_table`), whose answer
they are added to. No database: the engagements are synthetic, seeded.

    .venv/bin/python bench/politics_reasons.py [--units 10000] [--per-unit 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import vocab  # noqa: E402
from geo.i18n import translator  # noqa: E402
from geo.politics.constituencies import Hearings, hearing_table  # noqa: E402
from geo.politics.params import ConstituencyParams  # noqa: E402
from geo.reasons import with_text  # noqa: E402

AS_OF = date(2026, 6, 30)
print = functools.partial(print, flush=True)


def hearings(units: int, per_unit: int, seed: int = 7) -> Hearings:
    """``per_unit`` engagements in each unit within the window, each with one
    to three of the unit's five interlocutors (the first heard most), and
    women or youth reached in some units only: many flags, as in the demo."""
    rng = np.random.default_rng(seed)
    n = units * per_unit
    unit = np.repeat(np.arange(1, units + 1), per_unit)
    day = [AS_OF - timedelta(days=int(d)) for d in rng.integers(0, 180, n)]
    reached = [["women"] if r < 0.3 else ["youth"] if r < 0.5 else [] for r in rng.random(n)]
    engagements = pd.DataFrame({"id": np.arange(1, n + 1), "day": day, "unit": unit, "constituencies": reached})
    rows = []
    roles = vocab.INTERLOCUTOR_ROLES
    for e, u in zip(engagements["id"].tolist(), unit.tolist(), strict=True):
        for k in rng.choice(5, size=int(rng.integers(1, 4)), replace=False, p=[0.5, 0.2, 0.1, 0.1, 0.1]).tolist():
            rows.append((e, u * 10 + k, roles[(u + k) % len(roles)], "male", "45_59"))
    contacts = pd.DataFrame(rows, columns=["engagement_id", "interlocutor_id", "role", "gender", "age_band"])
    return Hearings(engagements, contacts)


def old_sentences(explanation: list[dict]) -> list[str]:
    """The sentences as ``_verdict`` wrote them before (f-strings), from the same figures."""
    out = []
    for r in explanation:
        p = r["params"]
        if r["code"] == "concentrated":
            who = ", ".join(vocab.ROLE_LABELS.get(x, x.replace("_", " ")) for x in p["roles"])
            k = p["top"]
            out.append(
                f"{100 * p['share']:.0f} % of {p['recorded']} engagements with interlocutors were with the same {k} "
                f"interlocutor{'s' if k > 1 else ''} ({who}) in {p['period_days']} days"
            )
        else:
            silent = p["constituencies"]
            out.append(f"no {' or '.join(silent)} engagement in {p['period_days']} days ({p['held']} engagements)")
    return out


def best(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--per-unit", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    h = hearings(a.units, a.per_unit)
    params = ConstituencyParams(as_of=AS_OF)
    print(f"{len(h.engagements):,} engagements, {len(h.contacts):,} contacts, {a.units:,} communities")
    table = hearing_table(h, params)
    items = [{"explanation": e} for e in table["explanation"]]
    n = sum(len(e) for e in table["explanation"])
    en, fr = translator("en"), translator("fr")
    assert [with_text(i, en)["reasons"] for i in items] == [old_sentences(i["explanation"]) for i in items]
    t_table = best(lambda: hearing_table(h, params), a.repeat)
    t_old = best(lambda: [old_sentences(i["explanation"]) for i in items], a.repeat)
    t_en = best(lambda: [with_text(i, en) for i in items], a.repeat)
    t_fr = best(lambda: [with_text(i, fr) for i in items], a.repeat)
    print(f"{n:,} reasons on {sum(1 for e in table['explanation'] if e):,} flagged communities")
    print(f"hearing_table (the analysis, codes)     {t_table * 1000:8.1f} ms")
    print(f"baseline: the old f-strings             {t_old * 1000:8.1f} ms  ({t_old / n * 1e6:.2f} µs a reason)")
    print(
        f"from the codes, English (with_text)     {t_en * 1000:8.1f} ms  ({t_en / n * 1e6:.2f} µs a reason; "
        f"{t_en / t_old:.1f}× the baseline, {t_en / t_table:.1%} of the analysis)"
    )
    print(
        f"from the codes, French                  {t_fr * 1000:8.1f} ms  ({t_fr / n * 1e6:.2f} µs a reason; "
        f"{t_fr / t_old:.1f}× the baseline, {t_fr / t_table:.1%} of the analysis)"
    )
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
