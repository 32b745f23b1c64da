"""Who was heard, whether agreements hold, what people think: hand-made
cases with known answers for each rule of docs/politics.md."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo import vocab
from geo.analysis.reasons import with_extra
from geo.politics.agreements import assess, matching_party, periods, tokens
from geo.politics.constituencies import Hearings, hearing_table
from geo.politics.params import AgreementParams, ConstituencyParams
from geo.politics.perceptions import trend
from geo.reasons import text

AS_OF = date(2026, 6, 30)


def _hearings(engagements: list[tuple], contacts: list[tuple]) -> Hearings:
    return Hearings(
        pd.DataFrame(engagements, columns=["id", "day", "unit", "constituencies"]),
        pd.DataFrame(contacts, columns=["engagement_id", "interlocutor_id", "role", "gender", "age_band"]),
    )


A = ("traditional_leader", "male", "60_plus")
B = ("local_authority", "male", "45_59")
C = ("womens_association", "female", "30_44")


def test_concentration_hhi_and_flags_by_hand():
    day = AS_OF - timedelta(days=10)
    # Ten engagements in unit 1: A heard in 1–7, B in 5–8, C in 9, nobody recorded in 10.
    engagements = [(i, day, 1, []) for i in range(1, 11)]
    contacts = [(i, 101, *A) for i in range(1, 8)] + [(i, 102, *B) for i in range(5, 9)] + [(9, 103, *C)]
    row = hearing_table(_hearings(engagements, contacts), ConstituencyParams(as_of=AS_OF)).iloc[0]
    assert (row["engagements"], row["engagements_with_interlocutors"], row["interlocutors"]) == (10, 9, 3)
    assert row["top1_share"] == round(7 / 9, 4)  # engagements with A
    assert row["top_share"] == round(8 / 9, 4)  # with A or B (the 2 most heard)
    assert row["top3_share"] == 1.0
    assert row["hhi"] == round((7 / 12) ** 2 + (4 / 12) ** 2 + (1 / 12) ** 2, 4)  # over the 12 contacts
    assert row["top_roles"] == ["traditional_leader", "local_authority"]
    assert row["flags"] == ["concentrated", "no_youth"]  # C is a woman: women were heard
    assert [text(r) for r in row["explanation"]] == [
        (
            "89 % of 9 engagements with interlocutors were with the same 2 interlocutors "
            "(traditional leader, local authority) in 180 days"
        ),
        "no youth engagement in 180 days (10 engagements)",
    ]
    assert [r["code"] for r in row["explanation"]] == ["concentrated", "not_heard"]
    assert row["explanation"][1]["params"] == {"constituencies": ["youth"], "period_days": 180, "held": 10}
    assert row["last_women"] == day and row["last_youth"] is None
    assert "traditional_leaders" in row["reached"] and "youth" in row["not_reached"]


def test_ties_go_to_the_smaller_id_and_thresholds_are_parameters():
    day = AS_OF - timedelta(days=1)
    engagements = [(i, day, 1, ["women", "youth"]) for i in range(1, 7)]
    contacts = [(i, 20 + i % 3, *B) for i in range(1, 7)]  # three people, two engagements each
    params = ConstituencyParams(as_of=AS_OF, concentration_top=1, concentration_share=0.3)
    row = hearing_table(_hearings(engagements, contacts), params).iloc[0]
    assert row["top1_share"] == round(2 / 6, 4) and row["flags"] == ["concentrated"]
    assert row["hhi"] == round(3 * (1 / 3) ** 2, 4)
    defaults = hearing_table(_hearings(engagements, contacts), ConstituencyParams(as_of=AS_OF)).iloc[0]
    assert defaults["top_share"] == round(4 / 6, 4) and defaults["flags"] == ["concentrated"]  # 67 % > 60 %
    strict = ConstituencyParams(as_of=AS_OF, concentration_share=0.7)
    assert hearing_table(_hearings(engagements, contacts), strict).iloc[0]["flags"] == []
    few = ConstituencyParams(as_of=AS_OF, min_engagements=7)  # 6 engagements are too few to flag
    assert hearing_table(_hearings(engagements, contacts), few).iloc[0]["flags"] == []


def test_the_window_bounds_what_counts_as_heard_but_not_when_last():
    old = AS_OF - timedelta(days=180)  # the day before the 180-day window
    engagements = [(1, old, 1, ["youth", "women"])] + [(i, AS_OF, 1, []) for i in range(2, 7)]
    contacts = [(i, 7, *A) for i in range(2, 7)] + [(1, 8, "youth_group", "male", "18_29")]
    row = hearing_table(_hearings(engagements, contacts), ConstituencyParams(as_of=AS_OF)).iloc[0]
    assert row["engagements"] == 5 and row["last_youth"] == old
    assert row["flags"] == ["concentrated", "no_women", "no_youth"]
    later = pd.DataFrame(
        [(9, AS_OF + timedelta(days=1), 1, ["women"])], columns=["id", "day", "unit", "constituencies"]
    )
    h = _hearings(engagements, contacts)
    h.engagements = pd.concat([h.engagements, later])  # after as_of: never counts
    assert hearing_table(h, ConstituencyParams(as_of=AS_OF)).iloc[0]["last_women"] == old


def test_party_matching_is_accent_and_case_insensitive_on_whole_words():
    assert tokens("Ex-Séléka (Nana-Bakassa/Kouki)") == {"ex", "seleka", "nana", "bakassa", "kouki"}
    parties = ["Anti-balaka (Nana-Bakassa/Kouki)", "Ex-Séléka (Nana-Bakassa/Kouki)", "Local authorities"]
    assert matching_party("Ex-Seleka", parties) == parties[1]
    assert matching_party("ANTI-BALAKA", parties) == parties[0]
    assert matching_party("Anti-balaka militia of Kouki and Nana-Bakassa", parties) == parties[0]  # the party's words
    assert matching_party("Balaka", ["Ex-Séléka"]) is None
    assert matching_party("UPC", parties) is None and matching_party(None, parties) is None
    assert matching_party("Seleka", ["Ex-Séléka"]) == "Ex-Séléka"  # every word of the actor is in the party


def test_before_and_after_signing_by_hand():
    signed = date(2026, 1, 1)
    params = AgreementParams(as_of=AS_OF, window_days=365)
    before, after = periods(signed, params)
    assert before == (date(2025, 1, 1), date(2025, 12, 31)) and after == (date(2026, 1, 2), AS_OF)
    rows = [
        (1, date(2025, 3, 1), 2, "battle", "Anti-balaka", None),
        (2, date(2025, 6, 1), 0, "riot", "Rioters", None),
        (3, date(2025, 12, 31), 1, "battle", "UPC", "Civilians"),
        (4, signed, 9, "battle", "Anti-balaka", None),  # the signing day counts for neither period
        (5, date(2024, 12, 31), 4, "battle", "UPC", None),  # before the window
    ] + [(10 + i, date(2026, 1, 2) + timedelta(days=20 * i), 1, "battle", "Ex-Seleka", None) for i in range(9)]
    incidents = pd.DataFrame(rows, columns=["id", "day", "fatalities", "event_type", "actor1", "actor2"])
    agreement = {
        "id": 7,
        "name": "test",
        "status": "in_force",
        "signed_on": signed,
        "parties": ["Ex-Séléka (Ouaka)", "Local authorities"],
        "has_area": True,
    }
    r = assess(agreement, incidents, params)
    t_after = (AS_OF - date(2026, 1, 2)).days + 1
    assert (r["incidents_before"], r["incidents_after"]) == (3, 9)
    assert (r["fatalities_before"], r["fatalities_after"]) == (3, 9)
    assert r["after"]["days"] == t_after == 180 and r["before"]["days"] == 365
    assert r["rate_ratio"]["estimate"] == pytest.approx((9 / t_after) / (3 / 365))
    assert r["incidents_per_month_before"] == round(3 / 365 * 365.25 / 12, 3)
    assert r["party_incidents_after"] == 9 and r["party_incidents_before"] == 0
    assert {v["id"] for v in r["violations"]} == {10 + i for i in range(9)}
    assert r["strain"] == r["rate_ratio"]["low"]
    assert sum(m["incidents_before"] for m in r["months"]) == 3 and sum(m["incidents_after"] for m in r["months"]) == 9
    assert r["months"][0]["month"] == "2025-01" and r["months"][-1]["month"] == "2026-06"
    assert "possible_violations" in r["flags"]
    assert [text(e) for e in r["explanation"]] == [  # 3 in 365 days, 9 in 180: 0.25 and 1.52 a month
        f"incidents inside the area rose from 0.3 to 1.5 a month after signing "
        f"(rate ratio ≥ {r['rate_ratio']['low']:.2f} at 95 %)",
        "9 incidents after signing involved a party",
    ]
    point = assess({**agreement, "has_area": False}, incidents, params)
    assert point["assessed"] is False and point["strain"] is None
    assert point["explanation"] == [{"code": "agreement_no_area", "params": {}}]


def test_a_fall_beyond_the_interval_becomes_a_reason():
    rows = pd.DataFrame(
        [
            ("S", "2026-03", date(2026, 3, 10), 0.5, 100),
            ("S", "2026-03", date(2026, 3, 12), 0.66, 300),  # pooled: (50 + 198) / 400 = 0.62
            ("S", "2026-09", date(2026, 9, 5), 0.41, 400),
        ],
        columns=["survey", "wave", "fielded_on", "value", "sample_size"],
    )
    t = trend(rows, "trust_in_mission")
    assert [w["value"] for w in t["waves"]] == [0.62, 0.41] and t["waves"][0]["sample_size"] == 400
    assert t["waves"][0]["fielded_on"] == "2026-03-10"
    assert t["change"]["fell"] and t["flags"] == ["trust_in_mission_fell"]
    assert text(t["explanation"][0]).startswith("trust in the mission fell from 62 % to 41 % since the 2026-03 wave")
    steady = rows.assign(value=[0.6, 0.6, 0.58])
    assert trend(steady, "trust_in_mission")["explanation"] == []


def test_the_sole_voice_reason_is_appended_to_its_rows_only_and_the_rows_keep_their_lists():
    """``reasons.with_extra`` adds the reason (code and sentence) to the rows
    that have one, in place of nothing else; the lists passed are not changed
    (a cached explainer never gains the reason twice) and the rows without
    one keep their own lists."""
    found = {"code": "sole_voice", "params": {"role": "traditional_leader", "engagements": 4, "since": "2026-03-04"}}
    codes = [[{"code": "a"}], [{"code": "b"}], []]
    sentences = [["A."], ["B."], []]
    out_codes, out_sentences = with_extra(codes, sentences, [None, found, None])
    assert out_codes == [[{"code": "a"}], [{"code": "b"}, found], []]
    assert out_sentences == [["A."], ["B.", text(found)], []]
    assert text(found).startswith("only one interlocutor, a traditional leader, heard in the last 4")
    assert sentences == [["A."], ["B."], []] and codes[1] == [{"code": "b"}]
    assert out_codes[0] is codes[0] and out_sentences[2] is sentences[2]


# The sentences as the analyses wrote them before they became codes (f-strings
# of geo/politics/*.py up to commit 219866c): the reference the English
# rendering of each code must still equal, word for word.
def _old_concentrated(topk, recorded, k, roles, days):
    who = ", ".join(vocab.ROLE_LABELS.get(r, r.replace("_", " ")) for r in roles)
    return (
        f"{100 * topk:.0f} % of {recorded} engagements with interlocutors were with the same {k} "
        f"interlocutor{'s' if k > 1 else ''} ({who}) in {days} days"
    )


def _old_not_heard(silent, days, n):
    return f"no {' or '.join(silent)} engagement in {days} days ({n} engagements)"


def _old_rose(before, after, low):
    return (
        f"incidents inside the area rose from {before:.1f} to "
        f"{after:.1f} a month after signing (rate ratio ≥ {low:.2f} at 95 %)"
    )


def _old_fell(label, w1, w2, n1, n2, lo, hi, wave):
    return (
        f"{label} fell from {100 * w1:.0f} % to {100 * w2:.0f} % since the {wave} "
        f"wave (n = {n1}, {n2}; change {100 * lo:+.0f} to {100 * hi:+.0f} "
        "points at 95 %)"
    )


OLD_LABELS = {
    "trust_in_mission": "trust in the mission",
    "feeling_of_safety": "the feeling of safety",
    "knowledge_of_mandate": "knowledge of the mandate",
    "satisfaction_with_protection": "satisfaction with protection",
    "trust_in_local_authorities": "trust in local authorities",
    "other": "other",
}
counts = st.integers(2, 100_000)  # 1 now reads "1 day", "1 engagement" (the old "1 days"): see below


@given(
    share=st.floats(0, 1),
    recorded=counts,
    k=st.integers(1, 10),
    roles=st.lists(st.sampled_from(vocab.INTERLOCUTOR_ROLES), max_size=3),
    days=counts,
    silent=st.sampled_from([["women"], ["youth"], ["women", "youth"]]),
    n=counts,
)
def test_english_hearing_reasons_are_the_old_sentences(share, recorded, k, roles, days, silent, n):
    concentrated = {"share": share, "recorded": recorded, "top": k, "roles": roles, "period_days": days}
    assert text({"code": "concentrated", "params": concentrated}) == _old_concentrated(share, recorded, k, roles, days)
    heard = {"constituencies": silent, "period_days": days, "held": n}
    assert text({"code": "not_heard", "params": heard}) == _old_not_heard(silent, days, n)


def test_english_counts_of_one_are_singular_now():
    assert text({"code": "not_heard", "params": {"constituencies": ["women"], "period_days": 1, "held": 1}}) == (
        "no women engagement in 1 day (1 engagement)"
    )
    one = {"share": 1.0, "recorded": 1, "top": 1, "roles": ["civil_society"], "period_days": 30}
    assert text({"code": "concentrated", "params": one}) == (
        "100 % of 1 engagement with interlocutors were with the same 1 interlocutor (civil society) in 30 days"
    )


rates = st.floats(0, 1e4, allow_nan=False)


@given(before=rates, after=rates, low=rates, violations=st.integers(1, 10**6))
def test_english_agreement_reasons_are_the_old_sentences(before, after, low, violations):
    rose = {"per_month_before": before, "per_month_after": after, "ratio_low": low}
    assert text({"code": "incidents_rose", "params": rose}) == _old_rose(before, after, low)
    old = f"{violations} incident{'s' if violations > 1 else ''} after signing involved a party"
    assert text({"code": "party_incidents", "params": {"violations": violations}}) == old
    assert text({"code": "agreement_no_area", "params": {}}) == "no area: incidents cannot be counted inside it"
    assert text({"code": "agreement_not_signed", "params": {}}) == "no signing day"
    later = {"signed_on": "2026-07-01", "as_of": "2026-06-30"}
    assert text({"code": "agreement_signed_after", "params": later}) == "signed after as_of"


shares = st.floats(0, 1)


@given(
    indicator=st.sampled_from(vocab.PERCEPTION_INDICATORS),
    w1=shares,
    w2=shares,
    n1=st.integers(1, 10**6),
    n2=st.integers(1, 10**6),
    lo=st.floats(-1, 1),
    hi=st.floats(-1, 1),
    wave=st.text("0123456789-Q", min_size=1, max_size=8),
)
def test_english_perception_reasons_are_the_old_sentences(indicator, w1, w2, n1, n2, lo, hi, wave):
    fell = {
        "indicator": indicator,
        "from_share": w1,
        "to_share": w2,
        "wave": wave,
        "n_from": n1,
        "n_to": n2,
        "change_low": lo,
        "change_high": hi,
    }
    want = _old_fell(OLD_LABELS[indicator], w1, w2, n1, n2, lo, hi, wave)
    assert text({"code": "perception_fell", "params": fell}) == want
