"""READ DIRECT, READ SEQUENTIAL and READ SELECTION.

Order is (key items, identifier items), text by code point, on every DBMS. READ SEQUENTIAL given
a complete key value answers the next article strictly after it; given a partial one (leading
items, an alphanumeric prefix) the first at or after it. READ DIRECT on a non-unique key answers
the first in that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from assurdb.metadb.contract import RC, Reply
from assurdb.runtime.core import SessionBase, _show, refuse
from assurdb.runtime.frames import DECIMALS, decimal_floats, to_frame
from assurdb.runtime.specs import RecordSpec, Refusal

#: RC.OK, read once (an enumeration's member costs a lookup through its class each time: ~0.1 µs)
_OK = RC.OK

#: The largest READ SELECTION limit: a signed 64-bit integer, what every DBMS takes.
MAX_LIMIT = 2**63 - 1


class Reads(SessionBase):
    """The reads of one record type by key and by criteria."""

    # -- READ DIRECT / READ SEQUENTIAL / READ SELECTION --------------------------------------
    def do_read_direct(self, spec: RecordSpec, article: Any, key: str) -> Reply:
        result = self.check_key(spec, article, key)
        if isinstance(result, Reply):
            return result
        values = result[0]
        stmt = spec.by_key[key]
        if key in spec.plain_keys:
            params = stmt.take(values)
        else:
            enc = spec.encode_value
            params = tuple([enc(i, values[i]) for i in stmt.params])
        try:
            row = self.conn.one(stmt.sql, params)
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return self.failed(exc)
        if row is None:
            return refuse(RC.NOT_FOUND, f"no {spec.name} with {_show(values, spec.keys[key])}")
        return Reply(_OK, spec.decode(row))

    def do_read_sequential(self, spec: RecordSpec, article: Any, key: str) -> Reply:
        result = self.check_key(spec, article, key, partial=True)
        if isinstance(result, Reply):
            return result
        values, given = result
        order = spec.order[key]
        if key in spec.plain_keys:
            encoded = values  # the checked values are the parameters (read_next takes the key's items)
        else:
            enc = spec.encode_value
            encoded = {i: enc(i, values[i]) for i in order[:given]}
        try:
            row = self.backend.read_next(self, spec, key, encoded, given)
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return self.failed(exc)
        if row is None:
            return refuse(RC.NOT_FOUND, f"no {spec.name} after {_show(values, order[:given])} in key {key}")
        return Reply(_OK, spec.decode(row))

    def do_read_selection(
        self, spec: RecordSpec, criteria: Any, *, limit: int | None = None, decimals: str = "exact"
    ) -> Reply:
        if not isinstance(criteria, Mapping):
            return refuse(
                RC.RT_MISMATCH,
                f"{spec.name}: criteria are a mapping of access-key items to values or (low, high)",
            )
        unknown = [c for c in criteria if c not in spec.items]
        if unknown:
            return refuse(RC.RT_MISMATCH, f"{spec.name} has no item {unknown[0]!r}")
        not_key = [c for c in criteria if c not in spec.where_eq]
        if not_key:
            return refuse(RC.KEY_NOT_ACCESS, f"item {not_key[0]!r} of {spec.name} is not in an access key")
        conditions: list[str] = []
        params: list[Any] = []
        for item, criterion in criteria.items():
            bounds = criterion if isinstance(criterion, tuple) else (criterion,)
            if len(bounds) not in (1, 2) or any(b is None for b in bounds):
                return refuse(RC.VALUE_INVALID, f"criterion on {item}: a value or a (low, high) pair, never null")
            checked_bounds = []
            for bound in bounds:
                checked = spec.lookup({item: bound})
                if isinstance(checked, Refusal):
                    return refuse(checked.rc, checked.message)
                checked_bounds.append(spec.encode_value(item, checked[item]))
            if len(bounds) == 1:
                conditions.append(spec.where_eq[item])
            else:
                conditions.append(spec.where_range[item])
            params.extend(checked_bounds)
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= MAX_LIMIT):
            return refuse(RC.VALUE_INVALID, f"limit must be an integer from 0 to {MAX_LIMIT}, not {limit!r}")
        if not isinstance(decimals, str) or decimals not in DECIMALS:
            choices = ", ".join(map(repr, DECIMALS))
            return refuse(RC.VALUE_INVALID, f"decimals must be one of {choices}, not {decimals!r}")
        floats = decimals == "float"
        key = next((k for k, items in spec.keys.items() if set(criteria) <= set(items)), "id")
        # composed only of pieces rendered at generation: WHERE fragments, ORDER BY, LIMIT placeholder
        sql = spec.select_all
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        # the selection without its ORDER BY, and the columns of that order (no LIMIT: it picks by order)
        unordered = (sql, spec.order_columns[key]) if limit is None else None
        sql += spec.order_by[key]
        if limit is not None:
            sql += spec.limit
            params.append(limit)
        try:
            frame = self.backend.select_frame(self, spec, sql, params, floats=floats, unordered=unordered)
            if frame is None:
                frame = self.frame(spec, self.conn.all(sql, params))
                for item in spec.decimal_items if floats else ():
                    frame[item] = decimal_floats(frame[item])
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return self.failed(exc)
        return Reply(RC.OK, None, f"{len(frame)} article(s)", None, frame)

    def frame(self, spec: RecordSpec, rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
        """The frame of fetched rows, built column by column: the rows turned into columns at once
        (``zip``), each decoded whole and made in its dtype."""
        columns = list(zip(*rows, strict=True)) or [()] * len(spec.columns)
        return to_frame(spec.decode_columns(columns), spec.item_order, spec.dtypes)
