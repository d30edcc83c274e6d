"""WRITE, WRITE BATCH, REWRITE, REWRITE BATCH and DELETE.

REWRITE changes the items the article gives and keeps the others; REWRITE BATCH makes many
REWRITEs of one record type at once, all or none. DELETE removes the article
and its links, and is refused when a target would lose a required origin (901) or an origin its
last required target (900) — checked when the unit ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from assurdb.metadb.contract import RC, Reply
from assurdb.metadb.values import (
    any_given,
    arrow_columns,
    check_columns,
    check_given_columns,
    check_patch_columns,
    empty_flags,
)
from assurdb.runtime.core import _as_target, _Failure, _show, refuse
from assurdb.runtime.frames import from_frame
from assurdb.runtime.reads import Reads
from assurdb.runtime.specs import FULL, PATCH, RecordSpec, Refusal


class Writes(Reads):
    """The writes of one record type's articles, with the links their path items carry."""

    # -- WRITE / WRITE BATCH / REWRITE / DELETE -----------------------------------------
    def do_write(self, spec: RecordSpec, article: Any) -> Reply:
        def work() -> Reply:
            values = self._checked(spec, article, FULL)
            return self._insert(spec, values, rc_exists=RC.ALREADY_EXISTS, rc_one=RC.ALREADY_EXISTS)

        return self.guard(work, writes=True)

    def _checked(self, spec: RecordSpec, article: Any, mode: int, *, target: bool = False) -> dict[str, Any]:
        if not isinstance(article, Mapping):
            raise _Failure(
                RC.RT_MISMATCH + (10 if target else 0),
                f"{spec.name}: an article is a mapping of item names to values",
            )
        checked = spec.check(article, mode, False)
        if isinstance(checked, Refusal):
            checked = _as_target(checked) if target else checked
            raise _Failure(checked.rc, checked.message)
        return checked

    def _insert(
        self,
        spec: RecordSpec,
        values: dict[str, Any],
        *,
        rc_exists: int,
        rc_one: int,
        skip: str | None = None,
    ) -> Reply:
        problem = self.links_of(spec, values, skip=skip)
        if problem:
            return problem
        if self.exists(spec, values):
            return refuse(rc_exists, f"{spec.name} {_show(values, spec.ident)} already exists")
        problem = self.one_to_one_free(spec, values, rc_one, skip=skip)
        if problem:
            return problem
        self.conn.run(spec.insert.sql, spec.encode(values))
        self.dirty.add(spec.table)
        self.note_new(spec, values)
        return Reply(RC.OK, values)

    def do_write_batch(self, spec: RecordSpec, articles: Any) -> Reply:
        """Check every article before writing any; insert all or none (the backend's insert).

        A batch is first checked column by column (every item's values at once, C-speed
        built-ins: :func:`~assurdb.metadb.values.check_columns`); when that cannot settle it, article
        by article, which also finds the first refused one. Articles the database would refuse
        (a duplicate, a missing origin, a 1-1 clash) are named in order by :meth:`diagnose_batch`.

        A DataFrame is taken as its rows (:func:`~assurdb.runtime.frames.from_frame`: a missing value
        is None, a timestamp a date), column by column: no article is built unless the columns
        cannot settle the batch.
        """
        taken = _batch_given(spec, articles, "WRITE BATCH")
        if isinstance(taken, Reply):
            return taken
        given, batch = taken
        count = len(articles) if given is not None else len(batch)

        def rows() -> list[Any]:
            if given is not None and not batch:  # the frame's rows, once the columns could not settle it
                batch.extend(_frame_rows(given))
            return batch

        def work() -> Reply:
            if not count:
                return Reply(RC.OK, None, "0 article(s) written")
            if given is None:
                taken = arrow_columns(spec.item_list, batch) if self.backend.arrow_batches else None
                if taken is None:
                    columns = check_columns(spec.item_list, batch, spec.items)
                else:  # checked on their arrays, as a DataFrame's Arrow columns are
                    columns = check_given_columns(spec.item_list, taken, count, spec.items)
            else:
                columns = check_given_columns(spec.item_list, given, count, spec.items)
            if columns is not None and not self._paths_whole(spec, columns):
                columns = None  # a path's items given in part: 13, named article by article
            values: list[dict[str, Any]] | None = None
            if columns is None:
                values, refusal = self.check_batch(spec, rows())
                if refusal is not None:
                    return self.diagnose_batch(spec, values, len(values)) or refusal
                columns = {name: [v[name] for v in values] for name in spec.item_order}
            denied = self._origins_open(spec, columns)
            if denied is not None:
                return denied

            def diagnose() -> Reply | None:
                checked = values if values is not None else self.check_batch(spec, rows())[0]
                return self.diagnose_batch(spec, checked, len(checked))

            refused: Reply | None = self.backend.insert_batch(self, spec, columns, diagnose)
            if refused is not None:
                return refused
            self.dirty.add(spec.table)
            if spec.needs_notes:
                self.note_new_batch(spec, columns)
            return Reply(RC.OK, None, f"{count} article(s) written")

        return self.guard(work, writes=True)

    def _paths_whole(self, spec: RecordSpec, columns: Mapping[str, list[Any]]) -> bool:
        """Whether every article gives each of its paths' items all together or not at all."""
        for path_name in spec.stored_paths:
            items = self.paths[path_name].target_items
            if len(items) > 1 and any(i in columns for i in items):
                # whole in every article when each item is empty in exactly the same articles
                n = len(columns[next(iter(columns))])
                empty = [empty_flags(columns[i]) if i in columns else np.ones(n, dtype=bool) for i in items]
                if any(not np.array_equal(e, empty[0]) for e in empty[1:]):
                    return False
        return True

    def _origins_open(self, spec: RecordSpec, columns: Mapping[str, list[Any]]) -> Reply | None:
        """600 for a batch whose articles name origins of record types this session has not opened."""
        for path_name in spec.stored_paths:
            path = self.paths[path_name]
            if any_given(columns.get(path.target_items[0], ())):
                denied = self.need_open(path.origin, write=False)
                if denied is not None:
                    return denied
        return None

    def check_batch(
        self, spec: RecordSpec, articles: Sequence[Any], mode: int = FULL
    ) -> tuple[list[dict[str, Any]], Reply | None]:
        """Validate every article (11, 13) for ``mode`` (WRITE's, REWRITE's): the checked values up
        to the first refused one."""
        check = spec.check
        out: list[dict[str, Any]] = []
        for position, article in enumerate(articles):
            if not isinstance(article, Mapping):
                return out, refuse(RC.RT_MISMATCH, f"article {position}: not a mapping of items to values", position)
            checked = check(article, mode, False)
            if checked.__class__ is Refusal:
                assert isinstance(checked, Refusal)
                return out, refuse(checked.rc, f"article {position}: {checked.message}", position)
            out.append(checked)  # type: ignore[arg-type]
        return out, None

    def diagnose_batch(self, spec: RecordSpec, values: Sequence[dict[str, Any]], limit: int) -> Reply | None:
        """The first of ``values[:limit]`` that the database would refuse (400, 500), in order."""
        seen: set[tuple[Any, ...]] = set()
        taken: set[tuple[str, tuple[Any, ...]]] = set()  # (1-1 path, origin) already given a target
        one_to_one = [self.paths[p] for p in spec.stored_paths if self.paths[p].cls == "1-1"]
        for position, article in enumerate(values[:limit]):
            ident = self.ident_of(spec, article)
            problem = self.links_of(spec, article, earlier=seen)
            if problem is None and (ident in seen or self.exists(spec, article)):
                problem = refuse(RC.ALREADY_EXISTS, f"{spec.name} {_show(article, spec.ident)} already exists")
            if problem is None:
                problem = self.one_to_one_free(spec, article, RC.ALREADY_EXISTS)
            for path in one_to_one:
                held = self.origin_values(path, article)
                if problem is None and isinstance(held, dict):
                    key = (path.name, self.ident_of(self.records[path.origin], held))
                    if key in taken:
                        problem = refuse(
                            RC.ALREADY_EXISTS,
                            f"{path.origin} {_show(held, list(held))} is given two "
                            f"{path.target}s on 1-1 path {path.name} in this batch",
                        )
                    taken.add(key)
            if problem is not None:
                return refuse(problem.rc, f"article {position}: {problem.message}", position)
            seen.add(ident)
        return None

    def do_rewrite(self, spec: RecordSpec, article: Any) -> Reply:
        return self.guard(lambda: self._rewrite_one(spec, article)[0], writes=True)

    def _rewrite_one(self, spec: RecordSpec, article: Any) -> tuple[Reply, dict[str, Any] | None]:
        """REWRITE's algorithm: the reply, and the article as it was (None when nothing was written)."""
        patch = self._checked(spec, article, PATCH)
        current = self.fetch(spec, patch)
        if current is None:
            return refuse(RC.NOT_FOUND, f"no {spec.name} {_show(patch, spec.ident)}"), None
        merged = {**current, **{k: patch[k] for k in article}}
        for path_name in spec.stored_paths:
            path = self.paths[path_name]
            if not any(t in article for t in path.target_items):
                continue
            before = self.origin_values(path, current)
            after = self.origin_values(path, merged)
            if isinstance(after, Reply):
                return after, None
            if before == after:
                continue
            if path.identifying:
                return refuse(RC.RT_MISMATCH, f"path {path.name}'s items are {spec.name}'s identifier"), None
            if after is not None:
                denied_o = self.need_open(path.origin, write=False)
                if denied_o:
                    return denied_o, None
                origin = self.records[path.origin]
                if not self.exists(origin, after):
                    return refuse(
                        RC.NOT_FOUND, f"{path.origin} {_show(after, origin.ident)} (path {path.name}) does not exist"
                    ), None
                if path.cls == "1-1":
                    other = self.target_of(path, after)
                    if other is not None:
                        return refuse(
                            RC.ALREADY_EXISTS,
                            f"{path.origin} {_show(after, origin.ident)} already has a "
                            f"{path.target} on 1-1 path {path.name}",
                        ), None
            elif path.target_needs_origin:
                self.note(path.name, "target", self.ident_of(spec, merged))
            if isinstance(before, dict) and path.origin_needs_target:
                origin = self.records[path.origin]
                self.note(path.name, "origin", self.ident_of(origin, before))
        self._update_row(spec, merged)
        return Reply(RC.OK, merged), current

    def _update_row(self, spec: RecordSpec, values: Mapping[str, Any]) -> None:
        params = dict(zip(spec.columns, spec.encode(values), strict=True))
        self.conn.run(spec.update.sql, tuple(params[c] for c in spec.update.params))
        self.dirty.add(spec.table)

    def do_rewrite_batch(self, spec: RecordSpec, articles: Any) -> Reply:
        """Many REWRITEs of one record type, as if made one after another, all or none.

        Every article is checked (11, 13) before anything is written: column by column when the
        articles all give the same items (each item's values at once), else article by article,
        which also finds the first refused one. Articles that give no path's
        items — the common case: flags, amounts, states — are rewritten set-wise: one article per
        identifier (an identifier given twice gets its articles' items merged in order, which is
        what the REWRITEs in turn would leave), one UPDATE per set of items given (an
        ``executemany``; DuckDB: one ``UPDATE … FROM`` an Arrow table), and the first identifier
        that names no article answers 400 with its position. A batch in which some article
        changes a path's items goes through REWRITE's own algorithm article by article (the
        origin must exist, a 1-1 path keep one target, existence constraints noted); if one is
        refused, those before it are put back as they were, so the batch changes nothing.
        """
        taken = _batch_given(spec, articles, "REWRITE BATCH")
        if isinstance(taken, Reply):
            return taken
        given, batch = taken
        if given is not None:
            batch = _frame_rows(given)

        def work() -> Reply:
            if not batch:
                return Reply(RC.OK, None, "0 article(s) rewritten")
            # items of a path this batch may change (an identifying path's are the unchanged identifier)
            path_items = {t for p in spec.stored_paths for t in self.paths[p].target_items} - set(spec.ident)
            columns = check_patch_columns(spec.item_list, batch, spec.items)
            if columns is not None and path_items.isdisjoint(columns):
                done = self._rewrite_columns(spec, columns, len(batch))
                if done is not None:
                    return done
            checked, refusal = self.check_batch(spec, batch, PATCH)
            if refusal is not None:
                return refusal
            patches = [{k: values[k] for k in article} for article, values in zip(batch, checked, strict=True)]
            if any(not path_items.isdisjoint(p) for p in patches):
                return self._rewrite_each(spec, patches)
            return self._rewrite_sets(spec, patches)

        return self.guard(work, writes=True)

    def _rewrite_columns(self, spec: RecordSpec, columns: Mapping[str, list[Any]], count: int) -> Reply | None:
        """REWRITE BATCH of ``count`` articles that all give the same items, none of a path, checked
        column by column (:func:`~assurdb.metadb.values.check_patch_columns`), each identifier once:
        one part, no article built — what :meth:`_rewrite_sets` does with them. None (nothing done)
        when an identifier is given twice, or nothing but identifiers."""
        items = tuple(i for i in spec.item_order if i in columns and i not in spec.ident)
        keys = [columns[i] for i in spec.ident]
        idents: list[Any] = keys[0] if len(keys) == 1 else list(zip(*keys, strict=True))
        if not items or len(set(idents)) != count:
            return None

        def diagnose() -> Reply | None:
            return self._first_missing(spec, ({i: columns[i][p] for i in spec.ident} for p in range(count)))

        part = {i: columns[i] for i in (*spec.ident, *items)}
        return self._updated(spec, [(items, part)], count, diagnose, count)

    def _first_missing(self, spec: RecordSpec, identifiers: Iterable[Mapping[str, Any]]) -> Reply | None:
        """400 naming the first article (in the batch's order) whose identifier names no article."""
        for position, ident in enumerate(identifiers):
            if not self.exists(spec, ident):
                return refuse(RC.NOT_FOUND, f"article {position}: no {spec.name} {_show(ident, spec.ident)}", position)
        return None

    def _updated(
        self,
        spec: RecordSpec,
        parts: Sequence[tuple[tuple[str, ...], Mapping[str, list[Any]]]],
        count: int,
        diagnose: Callable[[], Reply | None],
        rewritten: int,
    ) -> Reply:
        """The parts of a REWRITE BATCH updated by the backend (``count`` identifiers in all), or its refusal."""
        refused: Reply | None = self.backend.update_batch(self, spec, parts, count, diagnose) if parts else None
        if refused is not None:
            return refused
        self.dirty.add(spec.table)
        return Reply(RC.OK, None, f"{rewritten} article(s) rewritten")

    def _rewrite_sets(self, spec: RecordSpec, patches: list[dict[str, Any]]) -> Reply:
        """REWRITE BATCH of articles that change no path: one UPDATE per set of items given."""
        merged: dict[tuple[Any, ...], dict[str, Any]] = {}
        for patch in patches:
            key = tuple(patch[i] for i in spec.ident)
            held = merged.get(key)
            if held is None:
                merged[key] = patch
            else:
                held.update(patch)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for values in merged.values():
            items = tuple(i for i in spec.item_order if i in values and i not in spec.ident)
            groups.setdefault(items, []).append(values)

        def diagnose() -> Reply | None:
            return self._first_missing(spec, patches)

        if () in groups and any(not self.exists(spec, v) for v in groups[()]):  # an identifier alone: nothing to set
            return diagnose() or refuse(RC.DBMS_FAILURE, f"{spec.name}: an article went missing during REWRITE BATCH")
        parts = [
            (items, {i: [v[i] for v in group] for i in (*spec.ident, *items)})
            for items, group in groups.items()
            if items
        ]
        count = sum(len(values[spec.ident[0]]) for _, values in parts)
        return self._updated(spec, parts, count, diagnose, len(patches))

    def _rewrite_each(self, spec: RecordSpec, patches: list[dict[str, Any]]) -> Reply:
        """REWRITE BATCH article by article; a refusal puts back, in reverse, the articles already rewritten."""
        done: list[dict[str, Any]] = []
        pending = {k: set(v) for k, v in self.pending.items()}
        for position, patch in enumerate(patches):
            try:
                reply, before = self._rewrite_one(spec, patch)
            except _Failure as failure:
                reply, before = failure.reply, None
            if reply.rc != RC.OK:
                for row in reversed(done):
                    self._update_row(spec, row)
                self.pending = pending
                return refuse(reply.rc, f"article {position}: {reply.message}", position)
            assert before is not None
            done.append(before)
        return Reply(RC.OK, None, f"{len(patches)} article(s) rewritten")

    def do_delete(self, spec: RecordSpec, identifier: Any) -> Reply:

        def work() -> Reply:
            values = self.check_ident(spec, identifier)
            if isinstance(values, Reply):
                return values
            current = self.fetch(spec, values)
            if current is None:
                return refuse(RC.NOT_FOUND, f"no {spec.name} {_show(values, spec.ident)}")
            ident = self.ident_of(spec, current)
            o = dict(zip(spec.ident, ident, strict=True))
            # Links from this article as an origin: unlink its targets (an identifying path's
            # targets cannot be unlinked: they would lose their identity — 901 now).
            for path_name in spec.origin_of:
                path = self.paths[path_name]
                assert path.targets_of_origin is not None
                targets = self.conn.all(path.targets_of_origin.sql, self.bind(path.targets_of_origin, o=o))
                if not targets:
                    continue
                if path.identifying:
                    target = self.records[path.target]
                    shown = "/".join(str(v) for v in self.decode_ident(target, tuple(targets[0])).values())
                    return refuse(
                        RC.TARGET_CONSTRAINT,
                        f"{path.target} {shown} would lose its {spec.name} "
                        f"on identifying path {path.name}: delete it first",
                    )
                if path.target_needs_origin:
                    for t in targets:
                        self.note(path.name, "target", tuple(t))
                assert path.unlink_all_from_origin is not None
                self.conn.run(path.unlink_all_from_origin.sql, self.bind(path.unlink_all_from_origin, o=o))
                self.dirty.add(self.records[path.target].table)
            # Links to this article as a target: its origins may lose their last target.
            for path_name in spec.target_of:
                path = self.paths[path_name]
                if path.many_to_many:
                    assert path.origins_of_target is not None and path.unlink_all_to_target is not None
                    t = dict(zip(spec.ident, ident, strict=True))
                    origins = self.conn.all(path.origins_of_target.sql, self.bind(path.origins_of_target, t=t))
                    if path.origin_needs_target:
                        for origin_ident in origins:
                            self.note(path.name, "origin", tuple(origin_ident))
                    self.conn.run(path.unlink_all_to_target.sql, self.bind(path.unlink_all_to_target, t=t))
                elif path.origin_needs_target:
                    held = self.origin_values(path, current)
                    if isinstance(held, dict):
                        self.note(path.name, "origin", self.ident_of(self.records[path.origin], held))
            self.conn.run(spec.delete.sql, ident)
            self.dirty.add(spec.table)
            return Reply(RC.OK, current)

        return self.guard(work, writes=True)


#: A batch request's input: a DataFrame's columns, or none and the sequence's articles.
Given = tuple[dict[str, list[Any]] | None, list[Any]]


def _batch_given(spec: RecordSpec, articles: Any, request: str) -> Reply | Given:
    """A batch request's input: a DataFrame's columns (:func:`~assurdb.runtime.frames.from_frame`)
    and no articles yet, or no columns and the sequence's articles; 11 for anything else."""
    if isinstance(articles, pd.DataFrame):
        if not articles.columns.is_unique:
            return refuse(RC.RT_MISMATCH, f"{spec.name}: {request}'s DataFrame names a column twice")
        return from_frame(articles), []
    if isinstance(articles, Mapping | str | bytes) or not isinstance(articles, Iterable):
        return refuse(RC.RT_MISMATCH, f"{spec.name}: {request} takes a sequence of articles")
    return None, list(articles)


def _frame_rows(given: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """A DataFrame's columns as its rows' articles."""
    names = list(given)
    return [dict(zip(names, row, strict=True)) for row in zip(*given.values(), strict=True)]
