"""``assurdb serve``: the screens of :mod:`assurdb.screens` as a web application (Starlette, ASGI).

Every request: find its user's session (:mod:`assurdb.web.logins`), read the form back through
the screen interface, let the clerk's application answer (it opens what it needs, does one thing
and closes), show the answer. No SQL here: the web layer talks to a ``Session`` only.

Security: the session cookie is signed (Starlette's ``SessionMiddleware``, itsdangerous) and
http-only, and holds a random login token and a CSRF token, never the password. Every form that
posts carries the CSRF token and is refused (403) without it; searches are GET forms that change
nothing. Templates autoescape; the Content-Security-Policy allows only the application's own
scripts and styles, so a stored ``<script>`` is shown as text and could not run anyway.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from assurdb.metadb.contract import Session
from assurdb.metadb.errors import AssurdbError
from assurdb.metadb.model import Schema
from assurdb.screens.clerk import Clerk, Refused
from assurdb.screens.interface import SCREEN, Display, Filled, Link, Place, Section
from assurdb.screens.linking import Linking
from assurdb.screens.loader import shipped_screen
from assurdb.screens.model import Screen
from assurdb.screens.optimisation import optimisation, optimisation_screen
from assurdb.screens.reporting import REPORTS, report, report_screen
from assurdb.screens.written import written_screens
from assurdb.web.html import HtmlScreens
from assurdb.web.logins import LoginFunction, Logins

HERE = Path(__file__).parent
#: The environment variable holding the key that signs session cookies (else a random one per
#: process: every login ends when the server restarts).
SECRET_VARIABLE = "ASSURDB_WEB_SECRET"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: Record-type screens a request may ask for: kind → whether it posts (a change).
KINDS = {"find", "view", "next", "previous", "create", "modify", "delete", "link", "unlink"}
HOME = Screen(
    "home",
    "Screens",
    (),
    (),
    "The written screens of the primitives, the reports, the reinsurance optimisation, and every record type to "
    "find, walk and change.",
)
TROUBLE = Screen("refused", "Refused", (), ())


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class WebApp:
    """The application's state: the login table, the clerk, the templates."""

    def __init__(self, schema: Schema, login: LoginFunction) -> None:
        self.logins = Logins(login)
        self.clerk = Clerk(schema)
        self.linking = Linking(self.clerk)
        self.env = _environment()
        self.login_screen = shipped_screen("login")
        self.written = written_screens()

    # -- helpers ------------------------------------------------------------------------------
    def csrf(self, request: Request) -> str:
        token = request.session.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    def page(self, request: Request, display: Display, status: int = 200) -> HTMLResponse:
        user = self.logins.user(request.session.get("login"))
        html = HtmlScreens(self.env, user=user, csrf=self.csrf(request)).show(display)
        return HTMLResponse(html, status, headers=SECURITY_HEADERS)

    def filled(self, screen: Screen, form: Mapping[str, str]) -> Filled:
        renderer = HtmlScreens(self.env, user=None, csrf="")
        return renderer.read(screen, form, form.get("action"))

    async def posted(self, request: Request) -> FormData | None:
        """The form of a POST whose CSRF token matches the cookie's (else ``None``)."""
        form = await request.form()
        sent = form.get("csrf")
        expected = request.session.get("csrf")
        if not isinstance(sent, str) or not isinstance(expected, str) or not secrets.compare_digest(sent, expected):
            return None
        return form

    def refused(self, request: Request, message: str, status: int) -> HTMLResponse:
        return self.page(request, Display(TROUBLE, errors={SCREEN: message}), status)

    # -- login --------------------------------------------------------------------------------
    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            return self.page(request, Display(self.login_screen, target=Place("login")))
        form = await self.posted(request)
        if form is None:
            return self.refused(request, "the form has expired: reload the page and try again", 403)
        texts = {k: v for k, v in form.items() if isinstance(v, str)}
        filled = self.filled(self.login_screen, texts)
        user = filled.values.get("user", "")
        errors = {n: f"{self.login_screen.field(n).label} is required" for n in filled.missing}
        if not errors:
            try:
                token = await run_in_threadpool(self.logins.login, user, filled.values.get("password", ""))
            except AssurdbError as exc:
                errors = {"password": str(exc)}
            else:
                self.logins.logout(request.session.get("login"))
                request.session["login"] = token
                request.session["csrf"] = secrets.token_urlsafe(32)  # a new token for the new login
                return RedirectResponse("/", 303)
        return self.page(request, Display(self.login_screen, {"user": user}, errors, Place("login")), 401)

    async def logout(self, request: Request) -> Response:
        if await self.posted(request) is None:
            return self.refused(request, "the form has expired: reload the page and try again", 403)
        self.logins.logout(request.session.pop("login", None))
        return RedirectResponse("/login", 303)

    # -- the screens --------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        if self.logins.user(request.session.get("login")) is None:
            return RedirectResponse("/login", 303)
        written = tuple(Link(w.screen.title, Place("written", name)) for name, w in self.written.items())
        reports = tuple(
            Link(kind.title, Place("report", name), f"thesis {kind.thesis}") for name, kind in REPORTS.items()
        )
        reinsurance = (Link(optimisation_screen().title, Place("optimisation"), "the scenario method"),)
        sections = (
            Section("Contracts, losses and accounts", written),
            Section("Reports", reports),
            Section("Reinsurance", reinsurance),
        )
        return self.page(request, self.clerk.home(HOME, sections))

    async def report(self, request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in REPORTS:
            return self.refused(request, f"no report {name!r}", 404)
        texts: dict[str, str] = dict(request.query_params.items())
        filled = self.filled(report_screen(name), texts) if "action" in texts else None
        token = request.session.get("login")

        def answer() -> Display | None:
            with self.logins.session(token) as session:
                return None if session is None else report(session, name, filled)

        display = await run_in_threadpool(answer)
        if display is None:
            return RedirectResponse("/login", 303)
        return self.page(request, display, 200 if not display.errors else 422)

    async def optimisation(self, request: Request) -> Response:
        """The optimisation screen (a GET form: it reads and changes nothing)."""
        texts: dict[str, str] = dict(request.query_params.items())
        filled = self.filled(optimisation_screen(), texts) if "action" in texts else None
        token = request.session.get("login")

        def answer() -> Display | None:
            with self.logins.session(token) as session:
                return None if session is None else optimisation(session, filled)

        display = await run_in_threadpool(answer)
        if display is None:
            return RedirectResponse("/login", 303)
        return self.page(request, display, 200 if not display.errors else 422)

    async def written_screen(self, request: Request) -> Response:
        name = str(request.path_params["name"])
        written = self.written.get(name)
        if written is None:
            return self.refused(request, f"no screen {name!r}", 404)
        if self.logins.user(request.session.get("login")) is None:
            return RedirectResponse("/login", 303)
        if request.method == "GET":
            return self.page(request, Display(written.screen, target=Place("written", name)))
        form = await self.posted(request)
        if form is None:
            return self.refused(request, "the form has expired: reload the page and try again", 403)
        texts = {k: v for k, v in form.items() if isinstance(v, str)}
        filled = self.filled(written.screen, texts)
        if filled.action is None:
            return self.page(request, Display(written.screen, filled.values, target=Place("written", name)))
        token = request.session.get("login")

        def answer() -> Display | None:
            with self.logins.session(token) as session:
                if session is None:
                    return None
                return written.answer(session, written.screen, filled)

        display = await run_in_threadpool(answer)
        if display is None:
            return RedirectResponse("/login", 303)
        return self.page(request, display, 200 if not display.errors else 422)

    async def record(self, request: Request) -> Response:
        rt = str(request.path_params["rt"])
        kind = str(request.path_params["kind"])
        if not self.clerk.known(rt) or kind not in KINDS:
            return self.refused(request, f"no screen {kind!r} for record type {rt!r}", 404)
        texts: dict[str, str] = {k: v for k, v in request.query_params.items()}
        if request.method == "POST":
            form = await self.posted(request)
            if form is None:
                return self.refused(request, "the form has expired: reload the page and try again", 403)
            posted = {k: v for k, v in form.items() if isinstance(v, str)}
        else:
            posted = None
        token = request.session.get("login")
        display = await run_in_threadpool(self._answer, token, rt, kind, texts, posted)
        if display is None:
            return RedirectResponse("/login", 303)
        status = 200 if not display.errors else 422
        return self.page(request, display, status)

    def _answer(
        self, token: str | None, rt: str, kind: str, texts: dict[str, str], posted: dict[str, str] | None
    ) -> Display | None:
        """The clerk's answer, in the user's session (``None``: not logged in)."""
        place = Place(kind, rt, tuple(texts.items()))  # type: ignore[arg-type]
        reader = HtmlScreens(self.env, user=None, csrf="")
        with self.logins.session(token) as session:
            if session is None:
                return None
            try:
                return self._dispatch(session, reader, place, texts, posted)
            except Refused as exc:
                return Display(TROUBLE, errors={SCREEN: str(exc.reply)})

    def _dispatch(
        self,
        session: Session,
        reader: HtmlScreens,
        place: Place,
        texts: dict[str, str],
        posted: dict[str, str] | None,
    ) -> Display:
        clerk, rt, kind = self.clerk, place.record_type, place.kind
        screens = clerk.screens[rt]
        if kind == "find":
            key = texts.get("key", "id")
            screen = screens.find.get(key, screens.find["id"])
            filled = reader.read(screen, texts, texts.get("action")) if "action" in texts else None
            return clerk.find(session, rt, key, filled)
        if kind == "view":
            return clerk.view(session, rt, place)
        if kind == "next":
            return clerk.next(session, place)
        if kind == "previous":
            return clerk.previous(session, place)
        if kind in ("link", "unlink"):
            linking = self.linking.screen(place)
            filled = reader.read(linking, posted, posted.get("action")) if posted is not None and linking else None
            answer = self.linking.link if kind == "link" else self.linking.unlink
            return answer(session, place, filled)
        if kind == "create":
            filled = reader.read(screens.create, posted, posted.get("action")) if posted is not None else None
            return clerk.create(session, place, filled)
        if kind == "modify":
            filled = reader.read(screens.modify, posted, posted.get("action")) if posted is not None else None
            return clerk.modify(session, place, filled)
        filled = reader.read(screens.delete, posted, posted.get("action")) if posted is not None else None
        return clerk.delete(session, place, filled)


def create_app(
    schema: Schema, login: LoginFunction, *, secret: str | None = None, secure_cookies: bool = False
) -> Starlette:
    """The ASGI application on a database: ``login`` is its ``Database.login``; ``schema`` the
    meta-database the screens derive from (``Session.schema``, meta-schema included);
    ``secure_cookies``: the session cookie is sent over HTTPS only (behind a TLS proxy)."""
    web = WebApp(schema, login)
    key = secret or os.environ.get(SECRET_VARIABLE) or secrets.token_urlsafe(32)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        web.logins.close()

    routes = [
        Route("/", web.home),
        Route("/login", web.login, methods=["GET", "POST"]),
        Route("/logout", web.logout, methods=["POST"]),
        Route("/rt/{rt}/{kind}", web.record, methods=["GET", "POST"]),
        Route("/screens/{name}", web.written_screen, methods=["GET", "POST"]),
        Route("/reports/{name}", web.report),
        Route("/optimisation", web.optimisation),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware, secret_key=key, session_cookie="assurdb", same_site="strict", https_only=secure_cookies
        )
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.web = web
    return app


__all__ = ["SECRET_VARIABLE", "WebApp", "create_app"]
