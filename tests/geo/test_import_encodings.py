"""CSV text encodings: UTF-8, UTF-8 with a BOM, UTF-16 with a BOM and
Windows-1252/Latin-1 are detected, the report says which was used, and an
explicit encoding still overrides. Expected strings are written out here by
hand (not decoded by the code under test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from geo.errors import InvalidInput
from geo.io.formats import import_file
from geo.models import Incident

ENCODINGS = Path(__file__).resolve().parent.parent / "fixtures" / "encodings"
ACLED_1252 = ENCODINGS / "acled_car_2014_windows1252.csv"
PLACES = {"Bambari", "Ndélé", "Berbérati", "Zémio", "Mbrès", "Sibut", "Bémal", "Bria"}
BAMBARI_NOTE = (
    "Bambari, Ouaka \u2014 Pr\u00e9fecture: affrontements pr\u00e8s du pont de la Ouaka; "
    "l\u2019\u00e9v\u00each\u00e9 abrite des d\u00e9plac\u00e9s."
)


def _places(session) -> set[str]:
    return set(session.scalars(select(Incident.location_name)))


def _note(session, source_id: str) -> str:
    return session.scalar(select(Incident.notes).where(Incident.source_id == source_id))


def _reencoded(tmp_path: Path, encoding: str, *, replace: dict[str, str] | None = None) -> Path:
    """The Windows-1252 fixture's text written in another encoding."""
    text = ACLED_1252.read_bytes().decode("cp1252")
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    out = tmp_path / f"acled_{encoding}.csv"
    out.write_bytes(text.encode(encoding))
    return out


def test_old_windows_1252_acled_export_imports_without_an_option(session):
    report = import_file(session, "incidents", ACLED_1252)
    assert report.format == "acled"
    assert (report.encoding, report.encoding_detected) == ("windows-1252", True)
    assert (report.imported, report.rejected) == (8, 0), report.rejects
    assert _places(session) == PLACES
    assert _note(session, "CEN1201") == BAMBARI_NOTE
    assert "windows-1252 (detected)" in report.summary()
    as_json = report.to_dict()
    assert (as_json["encoding"], as_json["encoding_detected"]) == ("windows-1252", True)


def test_latin_1_bytes_that_windows_1252_leaves_undefined_still_import(session, tmp_path):
    # ISO-8859-1 proper: no curly quote or dash, and 0x9D (a C1 control in
    # Latin-1, undefined in Windows-1252) in one note.
    path = _reencoded(tmp_path, "latin-1", replace={"\u2014": "-", "\u2019": "'", "Kpékpé": "Kpékpé\x9d"})
    assert b"\x9d" in path.read_bytes()
    report = import_file(session, "incidents", path)
    assert report.encoding == "windows-1252" and report.imported == 8
    assert _places(session) == PLACES
    assert _note(session, "CEN1202") == "Villageois tu\u00e9s \u00e0 Nd\u00e9l\u00e9, quartier Kp\u00e9kp\u00e9\x9d"


@pytest.mark.parametrize(
    ("python_codec", "reported"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")]
)
def test_unicode_files_are_detected(session, tmp_path, python_codec, reported):
    path = _reencoded(tmp_path, python_codec)
    report = import_file(session, "incidents", path)
    assert report.format == "acled"  # the header was read without a BOM glued to the first column
    assert (report.encoding, report.encoding_detected) == (reported, True)
    assert (report.imported, report.rejected) == (8, 0), report.rejects
    assert _note(session, "CEN1201") == BAMBARI_NOTE


def test_an_explicit_encoding_overrides_detection(session):
    report = import_file(session, "incidents", ACLED_1252, encoding="latin-1")
    assert (report.encoding, report.encoding_detected) == ("latin-1", False)
    # Latin-1 reads 0x97 and 0x92 as C1 controls: proof the override was used.
    assert _note(session, "CEN1201") == BAMBARI_NOTE.replace("\u2014", "\x97").replace("\u2019", "\x92")
    assert "windows-1252" not in report.summary() and "latin-1" in report.summary()


def test_an_explicit_wrong_encoding_is_an_error_naming_encoding_and_changes_nothing(session, count):
    with pytest.raises(InvalidInput, match=r"not utf-8 text.*--encoding") as exc:
        import_file(session, "incidents", ACLED_1252, encoding="utf-8")
    assert exc.value.field == "encoding"
    with pytest.raises(InvalidInput, match="not utf-16 text") as exc:
        import_file(session, "incidents", ACLED_1252, encoding="utf-16")  # no BOM: a UnicodeError
    assert exc.value.field == "encoding"
    assert count(session, Incident) == 0


@pytest.mark.parametrize("name", ["rot13", "base64", "zlib", "utf\x00-8", "no-such-codec", "undefined"])
def test_names_that_are_not_text_encodings_are_refused(session, name):
    with pytest.raises(InvalidInput, match="text encoding") as exc:
        import_file(session, "incidents", ACLED_1252, encoding=name)
    assert exc.value.field == "encoding"


def test_vector_files_report_no_text_encoding(session, imports_dir):

    report = import_file(session, "patrols", imports_dir / "patrols_four_tracks.gpx", constants={"component": "joint"})
    assert report.encoding is None and "encoding" not in report.summary()
