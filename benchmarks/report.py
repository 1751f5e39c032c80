"""Rows of figures next to their floors: the table printed on stdout and the JSON kept in .bench/results.json."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

COLUMNS = ("figure", "case", "value", "floor", "floor value", "ratio")


@dataclass(frozen=True)
class Row:
    """One figure and the floor it is compared with (same unit, same run)."""

    figure: str
    case: str
    value: float
    floor_case: str
    floor: float
    unit: str
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """value / floor, or None when the floor is zero."""
        return self.value / self.floor if self.floor else None


def median(samples: Sequence[float]) -> float:
    """The median of at least one sample."""
    if not samples:
        raise ValueError("no samples to take the median of")
    return statistics.median(samples)


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "B":
        for scale, name in ((1 << 20, "MiB"), (1 << 10, "KiB")):
            if value >= scale:
                return f"{value / scale:.2f} {name}"
        return f"{value:.0f} B"
    return f"{value:g} {unit}".strip()


def format_table(rows: Iterable[Row]) -> str:
    """A plain-text table, one row per figure, with a note column only when some row has a note."""
    rows = list(rows)
    cells = [
        [
            row.figure,
            row.case,
            _number(row.value, row.unit),
            row.floor_case,
            _number(row.floor, row.unit),
            f"{row.ratio:.2f}x" if row.ratio is not None else "-",
        ]
        for row in rows
    ]
    header = list(COLUMNS)
    if any(row.note for row in rows):
        header.append("note")
        for cell, row in zip(cells, rows, strict=True):
            cell.append(row.note)
    widths = [max(len(line[index]) for line in [header, *cells]) for index in range(len(header))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in [header, *cells]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def write_json(rows: Iterable[Row], path: Path, meta: dict) -> None:
    """Write {"meta": ..., "rows": [...]} to path (its folder is made if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"meta": meta, "rows": [{**asdict(row), "ratio": row.ratio} for row in rows]}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
