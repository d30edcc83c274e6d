"""The request algorithms, shared by every generated interface: :class:`SessionCore`.

A generated package gives, per record type and path type, its statements and codecs
(:mod:`assurdb.runtime.specs`); its router does the thesis' *partie préliminaire* (record type
known, opening mode) and calls one function per action code and record type, which calls the
algorithm here with that record type's statements. The session is assembled from one module per
family of requests:

* :mod:`.core` — state, guards, units of work, openings, pending existence checks, ``check``;
* :mod:`.reads` — READ DIRECT, READ SEQUENTIAL, READ SELECTION;
* :mod:`.writes` — WRITE, WRITE BATCH, REWRITE, DELETE;
* :mod:`.paths` — READ TARGET / ORIGIN VIA PATH, WRITE TARGET VIA PATH, WRITE ORIGIN AND TARGET,
  BOUND, DEBOUND.

What depends on the DBMS (its connection, its WRITE BATCH insert, snapshot reads) is asked of
the database's backend (:mod:`assurdb.runtime.backends`).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from assurdb.metadb.contract import RC, Action, Criteria, Given, Mode, Opening, Reply
from assurdb.metadb.meta import HIDDEN_ITEMS
from assurdb.runtime.administration import Administration
from assurdb.runtime.core import MAX_OPEN, refuse
from assurdb.runtime.paths import Paths

#: Mode 1 as the int the openings hold (writing needs more).
_CONSULT = int(Mode.CONSULT)

#: A generated function of one action module: the session, then the request's own inputs.
Route = Callable[..., Reply]


@dataclass(frozen=True)
class Routes:
    """A generated router's table: per action code, the function of each record or path type."""

    read_direct: Mapping[str, Route]
    read_sequential: Mapping[str, Route]
    read_selection: Mapping[str, Route]
    write: Mapping[str, Route]
    write_batch: Mapping[str, Route]
    rewrite: Mapping[str, Route]
    rewrite_batch: Mapping[str, Route]
    delete: Mapping[str, Route]
    read_target_via_path: Mapping[str, Route]
    read_origin_via_path: Mapping[str, Route]
    write_target_via_path: Mapping[str, Route]
    write_origin_and_target: Mapping[str, Route]
    bound: Mapping[str, Route]
    debound: Mapping[str, Route]


class SessionCore(Paths, Administration):
    """One user session: every request of the contract (the ``Session`` protocol).

    Each request method is the thesis' *partie préliminaire*: it checks what every request
    shares — the record types and path type exist (10, 20, 30), this session's openings allow
    the request (600) — then routes to the generated function of its action code and record
    or path type (``routes``, set by the generated router subclass).

    Hidden items (``User.password_hash``) never leave a user's session: every reply is stripped
    of them, whatever the request (reads, the article a write or DELETE answers, READ SELECTION's
    frame), and a request giving one is refused (11) — only ``add_user`` and ``set_password``
    write a hash. Stripping here, where every request passes, holds on every DBMS at once; the
    system's own sessions (login, copy, migrations) still read them.
    """

    routes: ClassVar[Routes]

    def call(self, action: int, *inputs: object) -> Reply:
        """The router: any action code with its inputs, in order."""
        try:
            method = getattr(self, Action(action).method)
        except (ValueError, TypeError):
            known = ", ".join(str(int(a)) for a in Action)
            return refuse(RC.ACTION_UNKNOWN, f"unknown action code {action!r}; the contract's are {known}")
        try:
            reply: Reply = method(*inputs)
        except TypeError as exc:
            return refuse(RC.RT_MISMATCH, f"{Action(action).name}: wrong inputs ({exc})")
        return reply

    def _rt(self, rt: object, table: Mapping[str, Route], *, write: bool) -> Route | Reply:
        fn = table.get(rt) if isinstance(rt, str) else None
        if fn is None:
            return refuse(RC.RT_UNKNOWN, f"record type {rt!r} is unknown")
        assert isinstance(rt, str)
        if self.opened.get(rt, 0) > (_CONSULT if write else 0):  # open, in a mode that allows it (need_open)
            return fn
        denied = self.need_open(rt, write=write)
        assert denied is not None
        return denied

    def _pt(
        self, ort: object, pt: object, trt: object, table: Mapping[str, Route], *, write: bool, both: bool = False
    ) -> Route | Reply:
        path = self.path_for(ort, pt, trt)
        if isinstance(path, Reply):
            return path
        denied = self.path_open(path, write=write, both=both)
        return table[path.name] if denied is None else denied

    # -- hidden items ------------------------------------------------------------------------
    def _shown(self, reply: Reply, rt: str) -> Reply:
        """The reply without ``rt``'s hidden items, unless this is the system's own session."""
        if rt not in HIDDEN_ITEMS:
            return reply
        hidden = HIDDEN_ITEMS[rt]
        if not hidden or self.is_system or (reply.article is None and reply.batch is None):
            return reply
        article = None if reply.article is None else {k: v for k, v in reply.article.items() if k not in hidden}
        batch = reply.batch
        if batch is not None:
            batch = batch.drop(columns=[c for c in hidden if c in batch.columns])
        return dataclasses.replace(reply, article=article, batch=batch)

    def _hidden_given(
        self, rt: str, articles: Sequence[object], *, target: bool = False, batch: bool = False
    ) -> Reply | None:
        """11 (21 for a target) when a user's request gives a hidden item: only the system writes it."""
        hidden = HIDDEN_ITEMS.get(rt, ())
        if not hidden or self.is_system:
            return None
        for n, article in enumerate(articles):
            if isinstance(article, Mapping) and any(item in article for item in hidden):
                item = next(i for i in hidden if i in article)
                return refuse(
                    RC.TARGET_MISMATCH if target else RC.RT_MISMATCH,
                    f"{rt}.{item} is written by add_user and set_password only, never given to a request",
                    n if batch else None,
                )
        return None

    # -- the requests, in the order of their action codes ------------------------------------
    def open_db(self, openings: Sequence[Opening]) -> Reply:
        return self.do_open_db(openings)

    def close_rt(self, rt: str) -> Reply:
        return self.do_close_rt(rt)

    def close_db(self) -> Reply:
        return self.do_close_db()

    def read_direct(self, rt: str, article: Given, key: str = "id") -> Reply:
        fn = self._rt(rt, self.routes.read_direct, write=False)
        if isinstance(fn, Reply):
            return fn
        reply = fn(self, article, key)
        return reply if rt not in HIDDEN_ITEMS else self._shown(reply, rt)  # a read's hot path: no call

    def read_sequential(self, rt: str, article: Given, key: str = "id") -> Reply:
        fn = self._rt(rt, self.routes.read_sequential, write=False)
        if isinstance(fn, Reply):
            return fn
        reply = fn(self, article, key)
        return reply if rt not in HIDDEN_ITEMS else self._shown(reply, rt)

    def read_selection(
        self, rt: str, criteria: Criteria, *, limit: int | None = None, decimals: str = "exact"
    ) -> Reply:
        fn = self._rt(rt, self.routes.read_selection, write=False)
        return fn if isinstance(fn, Reply) else self._shown(fn(self, criteria, limit, decimals), rt)

    def read_target_via_path(
        self, ort: str, origin_id: Given, pt: str, trt: str, current: Given | None = None
    ) -> Reply:
        fn = self._pt(ort, pt, trt, self.routes.read_target_via_path, write=False)
        return fn if isinstance(fn, Reply) else self._shown(fn(self, origin_id, current), trt)

    def read_origin_via_path(
        self, ort: str, pt: str, trt: str, target_id: Given, current: Given | None = None
    ) -> Reply:
        fn = self._pt(ort, pt, trt, self.routes.read_origin_via_path, write=False)
        return fn if isinstance(fn, Reply) else self._shown(fn(self, target_id, current), ort)

    def write(self, rt: str, article: Given) -> Reply:
        fn = self._rt(rt, self.routes.write, write=True)
        if isinstance(fn, Reply):
            return fn
        return self._hidden_given(rt, [article]) or self._shown(fn(self, article), rt)

    def write_target_via_path(self, ort: str, origin_id: Given, trt: str, article: Given, pt: str) -> Reply:
        fn = self._pt(ort, pt, trt, self.routes.write_target_via_path, write=True)
        if isinstance(fn, Reply):
            return fn
        return self._hidden_given(trt, [article], target=True) or self._shown(fn(self, origin_id, article), trt)

    def write_origin_and_target(
        self, ort: str, origin_article: Given, trt: str, target_article: Given, pt: str
    ) -> Reply:
        fn = self._pt(ort, pt, trt, self.routes.write_origin_and_target, write=True, both=True)
        if isinstance(fn, Reply):
            return fn
        hidden = self._hidden_given(ort, [origin_article]) or self._hidden_given(trt, [target_article], target=True)
        return hidden or self._shown(fn(self, origin_article, target_article), trt)

    def write_batch(self, rt: str, articles: Sequence[Given] | pd.DataFrame) -> Reply:
        fn = self._rt(rt, self.routes.write_batch, write=True)
        if isinstance(fn, Reply):
            return fn
        return self._hidden_given(rt, self._batch_shape(articles), batch=True) or fn(self, articles)

    @staticmethod
    def _batch_shape(articles: object) -> list[object]:
        """A batch's articles as far as the hidden items' check needs them: a DataFrame's rows give its columns."""
        if isinstance(articles, pd.DataFrame):
            return [dict.fromkeys(articles.columns)] if len(articles) else []
        return list(articles) if isinstance(articles, Sequence) and not isinstance(articles, str | bytes) else []

    def rewrite(self, rt: str, article: Given) -> Reply:
        fn = self._rt(rt, self.routes.rewrite, write=True)
        if isinstance(fn, Reply):
            return fn
        return self._hidden_given(rt, [article]) or self._shown(fn(self, article), rt)

    def rewrite_batch(self, rt: str, articles: Sequence[Given] | pd.DataFrame) -> Reply:
        fn = self._rt(rt, self.routes.rewrite_batch, write=True)
        if isinstance(fn, Reply):
            return fn
        return self._hidden_given(rt, self._batch_shape(articles), batch=True) or fn(self, articles)

    def delete(self, rt: str, identifier: Given) -> Reply:
        fn = self._rt(rt, self.routes.delete, write=True)
        return fn if isinstance(fn, Reply) else self._shown(fn(self, identifier), rt)

    def bound(self, ort: str, origin_id: Given, trt: str, target_id: Given, pt: str) -> Reply:
        fn = self._pt(ort, pt, trt, self.routes.bound, write=True)
        return fn if isinstance(fn, Reply) else fn(self, origin_id, target_id)

    def debound(self, ort: str, origin_id: Given, trt: str, target_id: Given, pt: str) -> Reply:
        fn = self._pt(ort, pt, trt, self.routes.debound, write=True)
        return fn if isinstance(fn, Reply) else fn(self, origin_id, target_id)

    def begin(self) -> Reply:
        return self.do_begin()

    def commit(self) -> Reply:
        return self.do_commit()

    def rollback(self) -> Reply:
        return self.do_rollback()

    # -- the session's life ----------------------------------------------------------------
    def close(self) -> None:
        """End the session: close its record types and give its connection back."""
        self.release()

    def __enter__(self) -> SessionCore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # a finaliser never raises
            self.release()


__all__ = ["MAX_OPEN", "Route", "Routes", "SessionCore", "refuse"]
