"""``stance report``: frame profiles (share of each label per group) from scored output."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from stance.errors import DataError
from stance.labels import LABELS
from stance.tables import read_chunks, write_table

SHARE_COLUMNS = tuple(f"share_{label}" for label in LABELS)


def frame_profile(scored: Path, by: Sequence[str], *, chunk_rows: int = 200_000) -> pd.DataFrame:
    """Passages and the share of each label per group of ``by``, skipped rows left out.

    Reads only the needed columns' values chunk by chunk, so memory grows with the
    number of groups, not the number of rows.
    """
    if not by:
        raise DataError("give at least one column to group by (--by country,year)")
    totals: pd.DataFrame | None = None
    for chunk in read_chunks(scored, chunk_rows):
        missing = [c for c in (*by, "label") if c not in chunk.columns]
        if missing:
            raise DataError(f"{scored}: no column(s) {', '.join(missing)}; is it `stance score` output?")
        chunk = chunk[chunk["label"].isin(LABELS)]
        counts = chunk.groupby([*by, "label"], dropna=False).size().unstack("label", fill_value=0)
        totals = counts if totals is None else totals.add(counts, fill_value=0)
    if totals is None or totals.empty:
        raise DataError(f"{scored}: no scored rows")
    totals = totals.reindex(columns=list(LABELS), fill_value=0)
    n = totals.sum(axis=1)
    profile = totals.div(n, axis=0)
    profile.columns = list(SHARE_COLUMNS)
    profile.insert(0, "n", n.astype(int))
    return profile.reset_index().sort_values(list(by)).reset_index(drop=True)


def plot_shares(
    profile: pd.DataFrame, path: Path, *, time_column: str, group_column: str | None, groups: Sequence[str]
) -> None:
    """One panel per chosen group: each label's share over ``time_column``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = list(groups) if group_column else ["all"]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.6 * len(panels)), sharex=True, squeeze=False)
    for ax, group in zip(axes[:, 0], panels, strict=True):
        rows = profile if group_column is None else profile[profile[group_column].astype(str) == str(group)]
        rows = rows.groupby(time_column)[list(SHARE_COLUMNS)].mean() if group_column is None else rows
        rows = rows.sort_values(time_column) if time_column in rows.columns else rows.sort_index()
        x = rows[time_column] if time_column in rows.columns else rows.index
        for label, column in zip(LABELS, SHARE_COLUMNS, strict=True):
            ax.plot(x, rows[column], label=label, linewidth=1.4)
        ax.set_ylim(0, 1)
        ax.set_ylabel("share")
        ax.set_title(str(group), fontsize=10, loc="left")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(ncol=4, fontsize=8, loc="upper right")
    axes[-1, 0].set_xlabel(time_column)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def write_report(
    scored: Path,
    by: Sequence[str],
    out_prefix: Path,
    *,
    groups: Sequence[str] = (),
    time_column: str | None = None,
    top: int = 4,
) -> tuple[Path, Path | None, pd.DataFrame]:
    """Write ``<prefix>.csv`` and, when a time column is among ``by``, ``<prefix>.png``."""
    profile = frame_profile(scored, by)
    csv_path = out_prefix.with_name(out_prefix.name + ".csv")
    write_table(profile, csv_path)
    time_column = time_column or next((c for c in by if c.lower() in ("year", "date", "session", "era")), None)
    if time_column is None:
        return csv_path, None, profile
    others = [c for c in by if c != time_column]
    group_column = others[0] if others else None
    if group_column and not groups:
        sizes = profile.groupby(group_column)["n"].sum().sort_values(ascending=False)
        groups = [str(g) for g in sizes.index[:top]]
    unknown = [g for g in groups if group_column and g not in set(profile[group_column].astype(str))]
    if unknown:
        raise DataError(f"no rows for {group_column} = {', '.join(unknown)}")
    png_path = out_prefix.with_name(out_prefix.name + ".png")
    plot_shares(profile, png_path, time_column=time_column, group_column=group_column, groups=groups)
    return csv_path, png_path, profile
