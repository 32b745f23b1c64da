"""Who was heard (docs/politics.md#who-was-heard): ``hearing_table`` against a
brute-force reference written from the definitions in plain Python — sets per
engagement, a loop per unit, exact fractions — on generated engagements and
contacts (several units, engagements outside the window and after ``as_of``,
contacts of unknown engagements, ties between interlocutors)."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from geo import vocab
from geo.politics.constituencies import Hearings, hearing_table
from geo.politics.params import ConstituencyParams

AS_OF = date(2026, 6, 30)
PERSON = st.tuples(
    st.sampled_from(vocab.INTERLOCUTOR_ROLES), st.sampled_from(vocab.GENDERS), st.sampled_from(vocab.AGE_BANDS)
)


def _reached(own: list[str], people: list[tuple[str, str, str]]) -> set[str]:
    out = set(own)
    for role, gender, age in people:
        if role in vocab.ROLE_CONSTITUENCY:
            out.add(vocab.ROLE_CONSTITUENCY[role])
        if gender == "female":
            out.add("women")
        if age in ("under_18", "18_29"):
            out.add("youth")
    return out


def reference(engagements: list[tuple], contacts: list[tuple], p: ConstituencyParams) -> dict:
    """Unit → its figures, from the definitions."""
    first = p.as_of - timedelta(days=p.window_days - 1)
    counted = {eid: (day, unit, own) for eid, day, unit, own in engagements if day <= p.as_of and unit is not None}
    people: dict[int, list[tuple[int, tuple]]] = {}
    for eid, iid, *person in contacts:
        if eid in counted:
            people.setdefault(eid, []).append((iid, tuple(person)))
    reach = {eid: _reached(own, [x for _, x in people.get(eid, [])]) for eid, (_, _, own) in counted.items()}
    out = {}
    for unit in {u for _, u, _ in counted.values()}:
        mine = [eid for eid, (_, u, _) in counted.items() if u == unit]
        inside = [eid for eid in mine if first <= counted[eid][0] <= p.as_of]
        heard = set().union(*(reach[e] for e in inside)) if inside else set()
        last = {v: max((counted[e][0] for e in mine if v in reach[e]), default=None) for v in vocab.CONSTITUENCIES}
        of: dict[int, set[int]] = {}
        role: dict[int, str] = {}
        for e in inside:
            for iid, person in people.get(e, []):
                of.setdefault(iid, set()).add(e)
                role.setdefault(iid, person[0])
        recorded = len(set().union(*of.values())) if of else 0
        order = sorted(of, key=lambda i: (-len(of[i]), i))

        def share(top: int, of=of, order=order, recorded=recorded) -> float:
            met = set().union(*(of[i] for i in order[:top])) if top else set()
            return float(Fraction(len(met), recorded)) if recorded else 0.0

        contacts_n = sum(len(s) for s in of.values())
        hhi = float(Fraction(sum(len(s) ** 2 for s in of.values()), contacts_n**2)) if contacts_n else 0.0
        topk = share(p.concentration_top)
        enough = len(inside) >= p.min_engagements
        flags = ["concentrated"] if enough and recorded and topk > p.concentration_share else []
        flags += [f"no_{v}" for v in ("women", "youth") if enough and v not in heard]
        out[unit] = {
            "engagements": len(inside),
            "engagements_with_interlocutors": recorded,
            "interlocutors": len(of),
            **{f"last_{v}": last[v] for v in vocab.CONSTITUENCIES},
            "reached": [v for v in vocab.CONSTITUENCIES if v in heard],
            "not_reached": [v for v in vocab.CONSTITUENCIES if v not in heard],
            "top1_share": round(share(1), 4),
            "top_share": round(topk, 4),
            "top3_share": round(share(3), 4),
            "hhi": round(hhi, 4),
            "top_roles": [role[i] for i in order[: p.concentration_top]],
            "flags": flags,
        }
    return out


@st.composite
def scenarios(draw):
    n = draw(st.integers(0, 20))
    engagements = [
        (
            eid,
            AS_OF + timedelta(days=draw(st.integers(-30, 2))),
            draw(st.sampled_from([None, 1, 1, 2, 3])),
            draw(st.lists(st.sampled_from(vocab.CONSTITUENCIES), max_size=3, unique=True)),
        )
        for eid in range(1, n + 1)
    ]
    persons = draw(st.lists(PERSON, min_size=2, max_size=6))
    pairs = draw(st.lists(st.tuples(st.integers(1, n + 2), st.integers(0, len(persons) - 1)), max_size=40, unique=True))
    contacts = [(eid, 100 + i, *persons[i]) for eid, i in pairs]  # ids beyond n: contacts of no known engagement
    params = ConstituencyParams(
        as_of=AS_OF,
        window_days=draw(st.integers(1, 40)),
        concentration_top=draw(st.integers(1, 4)),
        concentration_share=draw(st.sampled_from([0.25, 0.5, 0.6, 1.0])),
        min_engagements=draw(st.integers(1, 4)),
    )
    return engagements, contacts, params


@given(scenarios())
def test_every_figure_equals_the_reference(case):
    engagements, contacts, params = case
    h = Hearings(
        pd.DataFrame(engagements, columns=["id", "day", "unit", "constituencies"]),
        pd.DataFrame(contacts, columns=["engagement_id", "interlocutor_id", "role", "gender", "age_band"]),
    )
    table = hearing_table(h, params)
    expected = reference(engagements, contacts, params)
    got = {int(r.pop("unit")): r for r in table.to_dict("records")} if len(table) else {}
    assert list(got) == sorted(expected)  # one row per unit, units in ascending order
    for unit, want in expected.items():
        row = got[unit]
        assert {k: row[k] for k in want} == want, unit
        assert len(row["explanation"]) == (
            ("concentrated" in want["flags"]) + any(f.startswith("no_") for f in want["flags"])
        )
