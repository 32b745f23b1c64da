"""The message catalogues (geo/i18n.py): the .mo files (compiled by `make
install`) are the compilation of the committed .po files, every msgid the code marks is in every
catalogue, every vocabulary code has a label, and a third language is a
catalogue only — including its right-to-left direction."""

from __future__ import annotations

import io
import subprocess
import sys
from string import Formatter

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from geo import vocab
from geo.i18n import LOCALE_DIR, available, catalogues, load, translator
from geo.reasons import COUNTED, DECIMALS, LABELS, LISTS, NUMBERS, POINTS, REASONS, text
from layers.messages import VOCABULARY


def _entries(catalog: Catalog) -> dict:
    """msgid → msgstr, plural entries as tuples (read_mo gives lists)."""

    def frozen(v):
        return tuple(v) if isinstance(v, list | tuple) else v

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id}


def test_every_translation_passes_babels_checks():
    """What `pybabel compile` (so `make install`) refuses: placeholders a
    translation lacks or changes (a "%" that reads as a %-format counts)."""
    for code in available()[1:]:
        catalog = read_po((LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb"))
        problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
        assert not problems, (code, problems)


def test_committed_mo_files_are_their_po_compiled():
    assert "fr" in available(), "no compiled French catalogue: run `make install`"
    for code in available()[1:]:
        po = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as fp:
            catalog = read_po(fp)
        fresh = io.BytesIO()
        write_mo(fresh, catalog)
        fresh.seek(0)
        mo = LOCALE_DIR / code / "LC_MESSAGES" / "messages.mo"
        committed = read_mo(mo.open("rb"))
        rebuilt = read_mo(fresh)
        assert _entries(committed) == _entries(rebuilt), f"{mo} is stale: run `make install`"


def test_every_marked_msgid_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "Nn_:1,2",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        check=True,
        capture_output=True,
    )
    wanted = {m.id for m in read_po(pot.open("rb")) if m.id}
    for code in available()[1:]:
        catalog = read_po((LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb"))
        have = {
            m.id for m in catalog if m.id and m.string and all(m.string if isinstance(m.string, tuple) else [m.string])
        }
        assert wanted <= have, (code, sorted(map(str, wanted - have))[:10])


def test_every_vocabulary_code_has_a_label():
    """Every vocabulary a page shows (all of geo/vocab.py but the keys'
    roles, which no page names) has a label for each code."""
    codes = {
        v
        for name in dir(vocab)
        if name.isupper() and name != "ROLES" and isinstance(getattr(vocab, name), tuple)
        for v in getattr(vocab, name)
        if isinstance(v, str)
    }
    assert codes <= set(VOCABULARY), sorted(codes - set(VOCABULARY))


def test_french_reasons_and_numbers():
    fr = translator("fr")
    assert (
        text({"code": "nearest_site", "params": {"distance_m": 12_500.0}}, fr)
        == "à 12,5 km du site de la mission le plus proche"
    )
    assert text(
        {"code": "violence", "params": {"incidents": 1, "deaths": 2, "radius_m": 10_000.0, "days": 90}}, fr
    ) == ("1 incident, 2 morts à moins de 10 km en 90 jours")
    assert text({"code": "nearest_site", "params": {"distance_m": 12_500.0}}) == "12.5 km from the nearest mission site"


def test_a_third_language_is_a_catalogue(tmp_path):
    """Arabic from a catalogue of two messages: served once its .mo is
    there, written right to left, a reason rendered from its code."""
    catalog = Catalog(locale="ar", domain="messages")
    catalog.add("no active mission site on record", "لا يوجد موقع نشط للبعثة في السجل")
    catalog.add("Legend", "مفتاح الخريطة")
    target = tmp_path / "ar" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as fp:
        write_mo(fp, catalog)
    assert catalogues(tmp_path) == ("en", "ar")
    ar = load("ar", tmp_path)
    assert ar.lang == "ar" and ar.dir == "rtl" and translator("fr").dir == "ltr"
    assert text({"code": "no_site", "params": {}}, ar) == "لا يوجد موقع نشط للبعثة في السجل"
    # What no catalogue holds stays English, never an error.
    assert text({"code": "nearest_site", "params": {"distance_m": 850.0}}, ar) == "850 m from the nearest mission site"
    assert set(REASONS) >= {"no_site", "nearest_site"}


def _sample(name: str):
    """A value of a reason parameter, of the kind its name says (geo.reasons.shown)."""
    if name in LISTS:
        kind, _ = LISTS[name]
        return list(LABELS[kind])[:2]
    if name in LABELS:
        return next(iter(LABELS[name]))
    if name.endswith("share") or name in DECIMALS or name in POINTS:
        return 0.25
    if name.endswith("_m"):
        return 12_500.0
    if name in ("hours", "score"):
        return 2.5
    if name in COUNTED or name in NUMBERS or name in {t.count for t in REASONS.values()}:
        return 2
    return "2026-03"


def test_every_reason_template_is_translated_into_french_in_every_plural_form():
    """Every code of the one registry (the engagement gaps', the QIP plotter's
    and the local politics'), its counted nouns and its quoted labels have
    a French msgstr for each of the catalogue's plural forms, and a reason of
    each code renders in French, not in English."""
    catalog = read_po((LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb"))
    assert catalog.num_plurals == 3  # one, many (a million: "de"), other
    fr = translator("fr")
    pairs = [(t.message, t.plural) for t in REASONS.values()] + [tuple(p) for p in COUNTED.values()]
    for singular, plural in pairs:
        entry = catalog.get(singular)
        assert entry is not None, singular
        forms = entry.string if plural else (entry.string,)
        assert (plural is None) == (not isinstance(entry.id, tuple)), singular
        assert len(forms) == (3 if plural else 1) and all(forms), singular
    for vocabulary in LABELS.values():
        for msgid in vocabulary.values():
            assert catalog.get(msgid) is not None and catalog.get(msgid).string, msgid
    for code, t in REASONS.items():
        names = {field for _, field, _, _ in Formatter().parse(t.message + (t.plural or "")) if field}
        reason = {"code": code, "params": {name: _sample(name) for name in names}}
        english, french = text(reason), text(reason, fr)
        assert "{" not in french and french != english, (code, french)
        for n in (1, 2, 1_000_000):  # each plural form is chosen and filled
            if t.count is not None:
                assert "{" not in text({"code": code, "params": {**reason["params"], t.count: n}}, fr)


def test_french_politics_reasons_by_hand():
    """Sentences a francophone planner reads, written by hand."""
    fr = translator("fr")
    heard = {"constituencies": ["women", "youth"], "period_days": 180, "held": 12}
    assert text({"code": "not_heard", "params": heard}, fr) == (
        "aucun engagement avec les femmes ou jeunes en 180 jours (12 engagements)"
    )
    assert text({"code": "not_heard", "params": {**heard, "constituencies": ["youth"], "held": 1}}, fr) == (
        "aucun engagement avec les jeunes en 180 jours (1 engagement)"
    )
    concentrated = {
        "share": 8 / 9,
        "recorded": 9,
        "top": 2,
        "roles": ["traditional_leader", "womens_association"],
        "period_days": 180,
    }
    assert text({"code": "concentrated", "params": concentrated}, fr) == (
        "sur 9 engagements avec des interlocuteurs en 180 jours, 89 % ont eu lieu avec les 2 mêmes "
        "interlocuteurs (chef traditionnel, association de femmes)"
    )
    assert text({"code": "concentrated", "params": {**concentrated, "top": 1, "roles": ["religious_leader"]}}, fr) == (
        "sur 9 engagements avec des interlocuteurs en 180 jours, 89 % ont eu lieu avec le même interlocuteur "
        "(chef religieux)"
    )
    rose = {"per_month_before": 0.25, "per_month_after": 1.5219, "ratio_low": 1.5234}
    assert text({"code": "incidents_rose", "params": rose}, fr) == (
        "les incidents dans la zone sont passés de 0,2 à 1,5 par mois après la signature "
        "(rapport des taux ≥ 1,52 à 95 %)"
    )
    assert text({"code": "party_incidents", "params": {"violations": 1}}, fr) == (
        "1 incident postérieur à la signature a impliqué une partie"
    )
    assert text({"code": "party_incidents", "params": {"violations": 4}}, fr) == (
        "4 incidents postérieurs à la signature ont impliqué une partie"
    )
    assert text({"code": "agreement_no_area", "params": {}}, fr) == (
        "pas de zone : les incidents ne peuvent pas y être comptés"
    )
    fell = {
        "indicator": "trust_in_mission",
        "from_share": 0.62,
        "to_share": 0.41,
        "wave": "2026-03",
        "n_from": 400,
        "n_to": 400,
        "change_low": -0.274,
        "change_high": -0.142,
    }
    assert text({"code": "perception_fell", "params": fell}, fr) == (
        "confiance dans la mission : baisse de 62 % à 41 % depuis la vague 2026-03 "
        "(n = 400, 400 ; variation de -27 à -14 points à 95 %)"
    )
