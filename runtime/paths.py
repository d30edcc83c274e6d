"""The path requests: READ TARGET / ORIGIN VIA PATH, WRITE TARGET VIA PATH, WRITE ORIGIN AND
TARGET, BOUND and DEBOUND, on 1-1, 1-N and N-N paths.

A path's targets come in the order of its sort items, then the target's identifier. The end of
a path answers 401 in READ TARGET VIA PATH and 400 in READ ORIGIN VIA PATH (the code of the side
not found). Path requests need both record types open; those that change links need the target
in mode 2 or 3, since its row or the junction holds the link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assurdb.metadb.contract import RC, Reply
from assurdb.runtime.core import _as_target, _Failure, _show, refuse
from assurdb.runtime.specs import FULL, PathSpec, RecordSpec, Refusal
from assurdb.runtime.writes import Writes


class Paths(Writes):
    """Requests along a path type: reading and changing links."""

    # -- path requests -------------------------------------------------------------------
    def do_read_target_via_path(self, path: PathSpec, origin_id: Any, current: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            o_values = self.check_ident(origin, origin_id)
            if isinstance(o_values, Reply):
                return o_values
            cur: dict[str, Any] | None = None
            if current is not None:
                # an N-N target read earlier carries its link items (e.g. role): not the target's
                _, current_body = self._split_link(path, current)
                cur_checked = self.check_ident(target, current_body, target=True)
                if isinstance(cur_checked, Reply):
                    return cur_checked
                cur = cur_checked
            if not self.exists(origin, o_values):
                return refuse(RC.NOT_FOUND, f"no {origin.name} {_show(o_values, origin.ident)}")
            o = self.encoded(origin, o_values)
            if cur is None:
                row = self.backend.first_target(self, path, o)
            else:
                sort_values = self._sort_values(path, target, cur, o)
                if isinstance(sort_values, Reply):
                    return sort_values
                row = self.backend.next_target(self, path, o, sort_values)
            if row is None:
                what = "no target" if cur is None else "no next target"
                return refuse(
                    RC.TARGET_NOT_FOUND,
                    f"{what} of {origin.name} {_show(o_values, origin.ident)} on path {path.name}",
                )
            return Reply(RC.OK, self._target_article(path, target, row))

        return self.guard(work, writes=False)

    def _target_article(self, path: PathSpec, target: RecordSpec, row: Any) -> dict[str, Any]:
        if path.many_to_many and path.link_items:
            assert path.decode_link is not None
            width = len(target.columns)
            article = target.decode(row[:width])
            article.update(path.decode_link(row[width:]))
            return article
        return target.decode(row)

    def _sort_values(
        self, path: PathSpec, target: RecordSpec, cur: dict[str, Any], o: dict[str, Any]
    ) -> dict[str, Any] | Reply:
        """The current target's sort items and identifier, read back if the caller gave only its identifier;
        401 if it is not a target of this origin on this path."""
        row_article = self.fetch(target, cur)
        linked = row_article is not None
        if linked and row_article is not None:
            t = self.encoded(target, row_article)
            assert path.link_exists is not None
            linked = self.conn.one(path.link_exists.sql, self.bind(path.link_exists, o=o, t=t)) is not None
        if not linked or row_article is None:
            return refuse(
                RC.TARGET_NOT_FOUND,
                f"current {target.name} {_show(cur, target.ident)} is not on path {path.name} from this origin",
            )
        names = tuple(dict.fromkeys(path.sort + target.ident))
        return {n: target.encode_value(n, row_article[n]) for n in names}

    def do_read_origin_via_path(self, path: PathSpec, target_id: Any, current: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            t_values = self.check_ident(target, target_id, target=True)
            if isinstance(t_values, Reply):
                return t_values
            cur: dict[str, Any] | None = None
            if current is not None:
                cur_checked = self.check_ident(origin, current)
                if isinstance(cur_checked, Reply):
                    return cur_checked
                cur = cur_checked
            row_article = self.fetch(target, t_values)
            if row_article is None:
                return refuse(RC.TARGET_NOT_FOUND, f"no {target.name} {_show(t_values, target.ident)}")
            if not path.many_to_many:
                held = self.origin_values(path, row_article)
                if cur is not None or not isinstance(held, dict):
                    what = "no next origin" if cur is not None else "no origin"
                    return refuse(
                        RC.NOT_FOUND,
                        f"{what} of {target.name} {_show(t_values, target.ident)} on path {path.name}",
                    )
                found = self.fetch(origin, held)
                if found is None:  # pragma: no cover - a foreign key (or the interface) prevents it
                    return refuse(RC.NOT_FOUND, f"origin of {target.name} on path {path.name} is missing")
                return Reply(RC.OK, found)
            t = self.encoded(target, t_values)
            if cur is None:
                assert path.first_origin is not None
                row = self.conn.one(path.first_origin.sql, self.bind(path.first_origin, t=t))
            else:
                c = self.encoded(origin, cur)
                assert path.next_origin is not None
                row = self.conn.one(path.next_origin.sql, self.bind(path.next_origin, t=t, c=c))
            if row is None:
                what = "no origin" if cur is None else "no next origin"
                return refuse(
                    RC.NOT_FOUND,
                    f"{what} of {target.name} {_show(t_values, target.ident)} on path {path.name}",
                )
            return Reply(RC.OK, origin.decode(row))

        return self.guard(work, writes=False)

    def do_write_target_via_path(self, path: PathSpec, origin_id: Any, article: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            o_values = self.check_ident(origin, origin_id)
            if isinstance(o_values, Reply):
                return o_values
            link_values, body = self._split_link(path, article)
            t_article = self._with_origin(path, o_values, body)
            values = self._checked(target, t_article, FULL, target=True)
            links = self._checked_link(path, link_values)
            if not self.exists(origin, o_values):
                return refuse(RC.NOT_FOUND, f"no {origin.name} {_show(o_values, origin.ident)}")
            reply = self._insert(
                target,
                values,
                rc_exists=RC.TARGET_ALREADY_EXISTS,
                rc_one=RC.TARGET_ALREADY_EXISTS,
                skip=path.name,
            )
            if reply.rc != RC.OK:
                return reply
            if path.cls == "1-1":
                other = self.target_of(path, o_values)
                if other is not None and any(other[i] != values[i] for i in target.ident):
                    return refuse(
                        RC.TARGET_ALREADY_EXISTS,
                        f"{origin.name} {_show(o_values, origin.ident)} already "
                        f"has a {target.name} on 1-1 path {path.name}",
                    )
            if path.many_to_many:
                self._link(path, origin, target, o_values, values, links)
            article_out = dict(values)
            article_out.update(links)
            return Reply(RC.OK, article_out)

        return self.guard(work, writes=True)

    def _split_link(self, path: PathSpec, article: Any) -> tuple[dict[str, Any], Any]:
        """An N-N path's own items (e.g. Composition's role) travel in the target article."""
        if not path.link_items or not isinstance(article, Mapping):
            return {}, article
        links = {k: v for k, v in article.items() if k in path.link_items}
        body = {k: v for k, v in article.items() if k not in path.link_items}
        return links, body

    def _checked_link(self, path: PathSpec, links: Mapping[str, Any]) -> dict[str, Any]:
        if path.check_link is None:
            return {}
        checked = path.check_link(links, FULL, False)
        if isinstance(checked, Refusal):
            refusal = _as_target(checked)
            raise _Failure(refusal.rc, refusal.message)
        return checked

    def _with_origin(self, path: PathSpec, o_values: Mapping[str, Any], article: Any) -> Any:
        """The target article with the origin's identifier in its path items (21 if they disagree)."""
        if path.many_to_many or not isinstance(article, Mapping):
            return article
        out = dict(article)
        for o_item, t_item in path.origin_items:
            given = out.get(t_item)
            if given is not None and given != o_values[o_item]:
                raise _Failure(
                    RC.TARGET_MISMATCH,
                    f"{path.target}.{t_item} = {given!r} but the origin's "
                    f"{o_item} is {o_values[o_item]!r} on path {path.name}",
                )
            out[t_item] = o_values[o_item]
        return out

    def _link(
        self,
        path: PathSpec,
        origin: RecordSpec,
        target: RecordSpec,
        o_values: Mapping[str, Any],
        t_values: Mapping[str, Any],
        links: Mapping[str, Any],
    ) -> None:
        assert path.link is not None
        o = self.encoded(origin, o_values)
        t = self.encoded(target, t_values)
        self.conn.run(path.link.sql, self.bind(path.link, o=o, t=t, l=dict(links)))
        self.dirty.add(path.junction or target.table)

    def do_write_origin_and_target(self, path: PathSpec, origin_article: Any, target_article: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            o_values = self._checked(origin, origin_article, FULL)
            link_values, body = self._split_link(path, target_article)
            t_article = self._with_origin(path, o_values, body)
            t_values = self._checked(target, t_article, FULL, target=True)
            links = self._checked_link(path, link_values)
            # Every check before any write: both or neither, on DuckDB too (no savepoints there).
            problem = self.links_of(origin, o_values)
            if problem:
                return problem
            if self.exists(origin, o_values):
                return refuse(RC.ALREADY_EXISTS, f"{origin.name} {_show(o_values, origin.ident)} already exists")
            problem = self.one_to_one_free(origin, o_values, RC.ALREADY_EXISTS)
            if problem:
                return problem
            problem = self.links_of(target, t_values, skip=path.name)
            if problem:
                return refuse(problem.rc + 1 if problem.rc == RC.NOT_FOUND else problem.rc, problem.message)
            if path.origin == path.target and all(o_values[i] == t_values[i] for i in origin.ident):
                return refuse(RC.TARGET_ALREADY_EXISTS, f"origin and target are the same {origin.name}")
            if self.exists(target, t_values):
                return refuse(RC.TARGET_ALREADY_EXISTS, f"{target.name} {_show(t_values, target.ident)} already exists")
            problem = self.one_to_one_free(target, t_values, RC.TARGET_ALREADY_EXISTS, skip=path.name)
            if problem:
                return problem
            for spec, values in ((origin, o_values), (target, t_values)):
                self.conn.run(spec.insert.sql, spec.encode(values))
                self.dirty.add(spec.table)
                self.note_new(spec, values)
            if path.many_to_many:
                self._link(path, origin, target, o_values, t_values, links)
            out = dict(t_values)
            out.update(links)
            return Reply(RC.OK, out)

        return self.guard(work, writes=True)

    def _link_ends(
        self, path: PathSpec, origin_id: Any, target_id: Any, *, with_links: bool = True
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]] | Reply:
        """BOUND's and DEBOUND's common checks (11/21, 13/23, 400): the two identifiers, the link
        items (N-N), and both identifiers encoded for the DBMS."""
        origin, target = self.records[path.origin], self.records[path.target]
        o_values = self.check_ident(origin, origin_id)
        if isinstance(o_values, Reply):
            return o_values
        link_values, body = self._split_link(path, target_id)
        t_values = self.check_ident(target, body, target=True)
        if isinstance(t_values, Reply):
            return t_values
        links = self._checked_link(path, link_values) if with_links else {}
        if not self.exists(origin, o_values):
            return refuse(RC.NOT_FOUND, f"no {origin.name} {_show(o_values, origin.ident)}")
        return o_values, t_values, links, self.encoded(origin, o_values), self.encoded(target, t_values)

    def do_bound(self, path: PathSpec, origin_id: Any, target_id: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            ends = self._link_ends(path, origin_id, target_id)
            if isinstance(ends, Reply):
                return ends
            o_values, t_values, links, o, t = ends
            current = self.fetch(target, t_values)
            if current is None:
                return refuse(RC.TARGET_NOT_FOUND, f"no {target.name} {_show(t_values, target.ident)}")
            assert path.link_exists is not None
            if self.conn.one(path.link_exists.sql, self.bind(path.link_exists, o=o, t=t)) is not None:
                return refuse(RC.TARGET_ALREADY_EXISTS, f"the link {path.name} already exists")
            if path.cls == "1-1" and self.target_of(path, o_values) is not None:
                return refuse(
                    RC.ALREADY_EXISTS,
                    f"{origin.name} {_show(o_values, origin.ident)} already has a "
                    f"{target.name} on 1-1 path {path.name}",
                )
            if not path.many_to_many:
                held = self.origin_values(path, current)
                if held is not None:
                    return refuse(
                        RC.TARGET_ALREADY_EXISTS,
                        f"{target.name} {_show(t_values, target.ident)} already has an origin on path {path.name}",
                    )
            self._link(path, origin, target, o_values, t_values, links)
            out = dict(current)
            out.update(links)
            return Reply(RC.OK, out)

        return self.guard(work, writes=True)

    def do_debound(self, path: PathSpec, origin_id: Any, target_id: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            ends = self._link_ends(path, origin_id, target_id, with_links=False)
            if isinstance(ends, Reply):
                return ends
            o_values, t_values, _, o, t = ends
            assert path.link_exists is not None
            if self.conn.one(path.link_exists.sql, self.bind(path.link_exists, o=o, t=t)) is None:
                return refuse(
                    RC.TARGET_NOT_FOUND,
                    f"no link {path.name} from {origin.name} {_show(o_values, origin.ident)} "
                    f"to {target.name} {_show(t_values, target.ident)}",
                )
            if path.identifying:
                return refuse(
                    RC.TARGET_CONSTRAINT,
                    f"{target.name} {_show(t_values, target.ident)} cannot leave its "
                    f"{origin.name}: path {path.name} is part of its identifier",
                )
            assert path.unlink is not None
            self.conn.run(path.unlink.sql, self.bind(path.unlink, o=o, t=t))
            self.dirty.add(path.junction or target.table)
            if path.target_needs_origin:
                self.note(path.name, "target", tuple(t[i] for i in target.ident))
            if path.origin_needs_target:
                self.note(path.name, "origin", tuple(o[i] for i in origin.ident))
            return Reply(RC.OK, None, f"{path.name} link removed")

        return self.guard(work, writes=True)
