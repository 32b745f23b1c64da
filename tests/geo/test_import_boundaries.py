"""Boundary layers → admin areas: the real CAR préfectures and sous-préfectures,
a zipped Shapefile, a multi-layer GeoPackage, and geometry repair."""

from __future__ import annotations

import zipfile

import pyogrio
import pytest
from sqlalchemy import func, select

from geo.errors import InvalidInput
from geo.io.formats import import_file
from geo.models import AdminArea


def test_car_prefectures_and_sous_prefectures(session, real_data):
    regions = import_file(session, "admin-areas", real_data / "wof_caf_region_simplified.geojson")
    counties = import_file(session, "admin-areas", real_data / "wof_caf_county_simplified.geojson")
    assert (regions.imported, regions.rejected, counties.imported, counties.rejected) == (17, 0, 72, 0)
    levels = dict(session.execute(select(AdminArea.level, func.count()).group_by(AdminArea.level)).all())
    assert levels == {1: 17, 2: 72}
    assert session.scalar(select(func.count()).where(func.GeometryType(AdminArea.geom) != "MULTIPOLYGON")) == 0
    region_codes = set(session.scalars(select(AdminArea.pcode).where(AdminArea.level == 1)))
    parents = set(session.scalars(select(AdminArea.parent_pcode).where(AdminArea.level == 2)))
    assert parents <= region_codes and len(parents) > 10
    bangui = session.scalars(select(AdminArea).where(AdminArea.level == 1, AdminArea.name == "Bangui")).one()
    assert (bangui.pcode, bangui.country, bangui.source) == ("CF.BG", "CF", "wof")


def test_zipped_shapefile_with_level_and_column_mapping(session, real_data, tmp_path, count):
    frame = pyogrio.read_dataframe(real_data / "wof_caf_region_simplified.geojson")
    frame = frame.rename(columns={"name": "PREF_NAME", "hasc": "PREF_CODE"})[["PREF_NAME", "PREF_CODE", "geometry"]]
    shp = tmp_path / "prefectures.shp"
    pyogrio.write_dataframe(frame, shp)
    archive = tmp_path / "prefectures.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("prefectures.*"):
            if part != archive:
                zf.write(part, part.name)
    report = import_file(
        session,
        "admin-areas",
        archive,
        mapping={"name": "PREF_NAME", "pcode": "PREF_CODE", "source_id": "PREF_CODE"},
        constants={"level": "1", "country": "CAF"},
    )
    assert (report.imported, report.rejected) == (17, 0)
    assert count(session, AdminArea, level=1, country="CAF", source="file:prefectures") == 17


def test_geopackage_layer_is_chosen_by_resource_name(session, real_data, tmp_path):
    frame = pyogrio.read_dataframe(real_data / "wof_caf_county_simplified.geojson")
    gpkg = tmp_path / "bundle.gpkg"
    pyogrio.write_dataframe(frame.head(3), gpkg, layer="other")
    pyogrio.write_dataframe(frame, gpkg, layer="admin_areas")
    assert import_file(session, "admin-areas", gpkg).imported == 72
    with pytest.raises(InvalidInput, match="layers") as exc:
        import_file(session, "communities", gpkg)
    assert exc.value.field == "layer"


def test_geometry_repaired_only_when_safe_and_reported(session, imports_dir, reasons):
    report = import_file(session, "admin-areas", imports_dir / "admin_areas_geometry_cases.geojson")
    assert report.row_label == "feature"
    assert [r.row for r in report.repairs] == [2] and "Self-intersection" in report.repairs[0].reason
    got = reasons(report)
    assert "area" in got[3][0][1]  # the bowtie's repair would change its area
    assert "LineString" in got[4][0][1]
    assert "missing" in got[5][0][1]
    assert got[6][0][0] == "level"
    assert sorted(
        session.scalars(select(AdminArea.name).where(AdminArea.source == "file:admin_areas_geometry_cases"))
    ) == ["Spike", "Square"]
    assert session.scalar(select(func.bool_and(func.ST_IsValid(AdminArea.geom)))) is True
