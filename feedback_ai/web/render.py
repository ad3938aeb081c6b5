"""Render pages: one Jinja2 environment with autoescaping, and the headers every page carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from feedback_ai.web import format as fmt

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
UI_PREFIX = "/ui"
# Scripts and styles only from files served here: an injected <script>, inline handler
# (onerror=...) or style attribute does not run. Nothing may frame the pages (clickjacking).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"}

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every {{ }} is HTML-escaped, whatever the template's extension
    undefined=jinja2.StrictUndefined,
)
_env.filters.update(money=fmt.money, when=fmt.when, num=fmt.num, plural=fmt.plural,
                    trend_change=fmt.trend_change, trend_words=fmt.trend_words,
                    signal_raw=fmt.signal_raw)  # fmt: skip
_env.globals["signal_labels"] = fmt.SIGNAL_LABELS
templates = Jinja2Templates(env=_env)


def page(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """A rendered template with the page security headers."""
    base = {"user": getattr(request.state, "ui_user", None), "prefix": UI_PREFIX, "flash": None}
    return templates.TemplateResponse(
        request, name, base | context, status_code=status_code,
        headers=PAGE_HEADERS | (headers or {}),
    )  # fmt: skip
