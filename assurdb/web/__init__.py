"""The web front-end of the screens (``assurdb serve``): Starlette, Jinja2, htmx; no SQL."""

from __future__ import annotations

from assurdb.web.app import SECRET_VARIABLE, create_app

__all__ = ["SECRET_VARIABLE", "create_app"]
