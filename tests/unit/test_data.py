"""Validation of labelled files: every bad input named in the issue, with file and row."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from stance.config import TextLimits
from stance.errors import DataError
from training.data import load_labelled


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


GOOD = [
    {"text": "We stand ready to talk with every neighbour.", "label": "conciliatory"},
    {"text": "These accusations are baseless and we reject them.", "label": "defensive"},
    {"text": "Our partnership targets no third country.", "label": "bloc_rejecting"},
    {"text": "The committee will meet again in March.", "label": "neutral"},
]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_reads_each_format(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame(GOOD)
    path = tmp_path / f"data{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_json(path, orient="records", lines=True)
    data = load_labelled(path)
    assert data.labels == [r["label"] for r in GOOD]
    assert data.fingerprint.rows_used == 4
    assert data.fingerprint.label_counts == {
        "conciliatory": 1,
        "defensive": 1,
        "bloc_rejecting": 1,
        "neutral": 1,
    }


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [{"text": "a", "stance": "neutral"}])
    with pytest.raises(DataError, match=r"d\.csv: missing column\(s\) label \(found: text, stance\)"):
        load_labelled(path)


@pytest.mark.parametrize("bad_text", ["", "   ", "\t\n"])
def test_empty_text_names_row(tmp_path: Path, bad_text: str) -> None:
    rows = [*GOOD, {"text": bad_text, "label": "neutral"}]
    path = write_csv(tmp_path / "d.csv", rows)
    with pytest.raises(DataError, match=r"empty or whitespace-only text in row\(s\) 5$"):
        load_labelled(path)


def test_null_text_in_jsonl_names_row(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    lines = [json.dumps(r) for r in GOOD[:2]] + [json.dumps({"text": None, "label": "neutral"})]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"row\(s\) 3"):
        load_labelled(path)


def test_unknown_label_names_value_and_row(tmp_path: Path) -> None:
    rows = [*GOOD, {"text": "Something else entirely.", "label": "hostile"}]
    with pytest.raises(DataError, match=r"label 'hostile' in row 5 is not one of conciliatory"):
        load_labelled(write_csv(tmp_path / "d.csv", rows))


def test_conflicting_labels_name_both_rows(tmp_path: Path) -> None:
    rows = [*GOOD, {"text": GOOD[0]["text"], "label": "neutral"}]
    with pytest.raises(DataError, match=r"'conciliatory' \(row 1\), 'neutral' \(row 5\)"):
        load_labelled(write_csv(tmp_path / "d.csv", rows))


def test_identical_duplicates_are_dropped_and_counted(tmp_path: Path) -> None:
    rows = [*GOOD, GOOD[1], GOOD[1]]
    data = load_labelled(write_csv(tmp_path / "d.csv", rows))
    assert data.fingerprint.rows_read == 6
    assert data.fingerprint.duplicates_dropped == 2
    assert data.fingerprint.rows_used == 4


def test_too_few_examples_per_label(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"too few examples to cross-validate \(conciliatory: 1, .*at least 3"):
        load_labelled(write_csv(tmp_path / "d.csv", GOOD), min_per_label=3)


def test_text_over_limit_names_row(tmp_path: Path) -> None:
    rows = [*GOOD, {"text": "x" * 51, "label": "neutral"}]
    with pytest.raises(DataError, match=r"longer than 50 characters in row\(s\) 5"):
        load_labelled(write_csv(tmp_path / "d.csv", rows), limits=TextLimits(max_chars=50))


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match=r"unsupported file type '\.xlsx'; use one of \.csv"):
        load_labelled(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no such file"):
        load_labelled(tmp_path / "absent.csv")


def test_unreadable_parquet(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match=r"cannot read as parquet"):
        load_labelled(path)


def test_malformed_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": "neutral"}\n{"text": \n')
    with pytest.raises(DataError, match=r"cannot read as jsonl"):
        load_labelled(path)


def test_many_bad_rows_are_summarised(tmp_path: Path) -> None:
    rows = GOOD + [{"text": " ", "label": "neutral"} for _ in range(8)]
    with pytest.raises(DataError, match=r"row\(s\) 5, 6, 7, 8, 9 and 3 more"):
        load_labelled(write_csv(tmp_path / "d.csv", rows))
