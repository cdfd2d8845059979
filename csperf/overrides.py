"""A council's own choices that change stored values: targets, polarity, accepted partial figures.

They live in the database's settings (Settings page) and apply when values are computed; a change
recomputes the stored values (``values.recompute``). Targets may change from a given quarter on, so
past quarters keep the target they were judged against.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import duckdb

from csperf import benchmarks, indicators, periods, store

TARGETS = "targets"  # {indicator_id: value | {"YYYY-YYQn": value, ...}}
POLARITY = "polarity"  # {indicator_id: polarity}
ACCEPT_PARTIAL = "accept_partial"  # {quarter: [indicator_id, ...]}
NEIGHBOURS = (
    "council.neighbours"  # [LA number, ...]: the council's own choice of neighbours
)
POLARITIES = ("higher_is_better", "lower_is_better", "neutral")


@dataclasses.dataclass(frozen=True)
class Overrides:
    targets: dict[str, Any]
    polarity: dict[str, str]
    accept_partial: dict[str, list[str]]
    neighbours: tuple[int, ...] = ()

    def council(self, who: benchmarks.Council) -> benchmarks.Council:
        """The council with its chosen statistical neighbours, if it chose any."""
        if not self.neighbours or who.nation != "england":
            return who
        return dataclasses.replace(who, neighbours=self.neighbours)

    def indicator(self, ind: indicators.Indicator) -> indicators.Indicator:
        """The indicator with the council's polarity, if it chose one."""
        chosen = self.polarity.get(ind.id)
        if chosen is None or chosen == ind.polarity:
            return ind
        return dataclasses.replace(ind, polarity=chosen)  # type: ignore[arg-type]

    def target(
        self, ind: indicators.Indicator, quarter: periods.Quarter
    ) -> float | None:
        """The target for the quarter: the latest override starting on or before it, else the
        registry's default."""
        given = self.targets.get(ind.id)
        if given is None:
            return ind.target
        if not isinstance(given, dict):
            return None if given == "" else float(given)
        started = [
            (periods.Quarter.parse(q), v)
            for q, v in given.items()
            if periods.Quarter.parse(q) <= quarter
        ]
        if not started:
            return ind.target
        value = max(started, key=lambda qv: qv[0])[1]
        return None if value is None else float(value)

    def partial_accepted(self, ind_id: str, quarter: periods.Quarter) -> bool:
        return ind_id in self.accept_partial.get(str(quarter), [])


def read(con: duckdb.DuckDBPyConnection) -> Overrides:
    return Overrides(
        targets=store.get_setting(con, TARGETS, {}) or {},
        polarity=store.get_setting(con, POLARITY, {}) or {},
        accept_partial=store.get_setting(con, ACCEPT_PARTIAL, {}) or {},
        neighbours=tuple(store.get_setting(con, NEIGHBOURS, []) or []),
    )


def set_neighbours(
    con: duckdb.DuckDBPyConnection, who: benchmarks.Council, chosen: list[int] | None
) -> None:
    """Use these English councils as neighbours (None: the published model's ten)."""
    if chosen is None:
        store.set_setting(con, NEIGHBOURS, [])
        return
    known = benchmarks.english_councils()
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise ValueError(
            f"{', '.join(map(str, unknown))}: not the DfE LA code of an English council."
        )
    if who.la_number in chosen:
        raise ValueError("A council cannot be its own neighbour.")
    if len(set(chosen)) < benchmarks.MIN_NEIGHBOURS:
        raise ValueError(
            f"Choose at least {benchmarks.MIN_NEIGHBOURS} different neighbours."
        )
    store.set_setting(con, NEIGHBOURS, sorted(set(chosen)))


def set_target(
    con: duckdb.DuckDBPyConnection,
    ind_id: str,
    value: float | None,
    from_quarter: periods.Quarter | None = None,
) -> None:
    """Set (or with None, remove) a target; from a quarter on, or for every quarter."""
    targets = dict(read(con).targets)
    if from_quarter is None:
        if value is None:
            targets.pop(ind_id, None)
        else:
            targets[ind_id] = value
    else:
        current = targets.get(ind_id)
        by_quarter = dict(current) if isinstance(current, dict) else {}
        by_quarter[str(from_quarter)] = value
        targets[ind_id] = by_quarter
    store.set_setting(con, TARGETS, targets)


def set_polarity(
    con: duckdb.DuckDBPyConnection, ind_id: str, polarity: str | None
) -> None:
    if polarity is not None and polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {', '.join(POLARITIES)}")
    chosen = dict(read(con).polarity)
    if polarity is None:
        chosen.pop(ind_id, None)
    else:
        chosen[ind_id] = polarity
    store.set_setting(con, POLARITY, chosen)


def accept_partial(
    con: duckdb.DuckDBPyConnection, ind_id: str, quarter: periods.Quarter, accept: bool
) -> None:
    """Show (or stop showing) a clearly labelled partial figure for one indicator and quarter."""
    chosen = {q: list(ids) for q, ids in read(con).accept_partial.items()}
    ids = set(chosen.get(str(quarter), []))
    if accept:
        ids.add(ind_id)
    else:
        ids.discard(ind_id)
    chosen[str(quarter)] = sorted(ids)
    store.set_setting(con, ACCEPT_PARTIAL, chosen)
