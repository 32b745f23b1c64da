"""The message catalogues (geo/i18n.py): the .mo files (compiled by `make
install`) are the compilation of the committed .po files, every msgid the code marks is in every
catalogue, every vocabulary code has a label, and a third language is a
catalogue only — including its right-to-left direction."""

from __future__ import annotations

import io
import subprocess
import sys

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from geo import vocab
from geo.i18n import LOCALE_DIR, available, catalogues, load, translator
from geo.reasons import REASONS, text
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
