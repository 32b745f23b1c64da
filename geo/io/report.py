"""What an import did: counts, every rejected row with its reason, every
repaired geometry. Users act on this report, so each entry names the row
(line of a CSV, feature of a vector file), the field and the reason."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path

from geo.io.spreadsheet import escape_cell


@dataclass(frozen=True)
class Reject:
    row: int
    field: str
    reason: str
    source_id: str | None = None


@dataclass(frozen=True)
class Repair:
    row: int
    reason: str


@dataclass
class ImportReport:
    resource: str
    format: str
    file: str
    row_label: str = "line"  # "line" for CSV (header is line 1), "feature" for vector files
    dry_run: bool = False
    encoding: str | None = None  # the text encoding a CSV was read with (None for vector files)
    encoding_detected: bool = False  # chosen by the importer rather than given by the user
    read: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    rejects: list[Reject] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.inserted + self.updated

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        how = self.format
        if self.encoding:
            how += f", {self.encoding}" + (" (detected)" if self.encoding_detected else "")
        return (
            f"{self.resource} from {self.file} ({how}): read {self.read}, {verb} {self.imported} "
            f"({self.inserted} new, {self.updated} updated), skipped {self.skipped}, rejected {self.rejected}, "
            f"repaired {len(self.repairs)}"
        )

    def to_dict(self, max_rejects: int | None = 1000) -> dict:
        rejects = self.rejects if max_rejects is None else self.rejects[:max_rejects]
        return {
            "resource": self.resource,
            "format": self.format,
            "file": self.file,
            "dry_run": self.dry_run,
            "row_label": self.row_label,
            "encoding": self.encoding,
            "encoding_detected": self.encoding_detected,
            "read": self.read,
            "imported": self.imported,
            "inserted": self.inserted,
            "updated": self.updated,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "repaired": len(self.repairs),
            "rejects": [asdict(r) for r in rejects],
            "rejects_truncated": len(rejects) < len(self.rejects),
            "repairs": [asdict(r) for r in self.repairs],
        }

    def write_rejects(self, path: str | Path) -> None:
        """The rejects as CSV (row, field, reason, source_id) for fixing and
        re-importing; ids and reasons quote the file, so they are escaped for spreadsheets."""
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([self.row_label, "field", "reason", "source_id"])
            for r in sorted(self.rejects, key=lambda r: r.row):
                w.writerow([r.row, r.field, escape_cell(r.reason), escape_cell(r.source_id or "")])
