"""API docs (/docs Swagger UI, /redoc) served with assets from the installed package: no CDN."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

# The pinned fastapi-offline package ships Swagger UI and ReDoc bundles; serving them from here
# keeps /docs working offline and keeps a third-party CDN out of what a browser runs.
STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"
STATIC_URL = "/docs-static"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def page_csp(html: str) -> str:
    """A Content-Security-Policy for a docs page: scripts from here or inline ones it holds.

    The inline scripts are allowed by hash, so an injected one would not run. Swagger UI and
    ReDoc set inline styles and use data: images, which cannot run code.
    """
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ).replace("'self' ;", "'self';")


def _page(html: HTMLResponse) -> tuple[str, dict[str, str]]:
    body = bytes(html.body).decode("utf-8")
    return body, {"Content-Security-Policy": page_csp(body)}


def install_docs(app: FastAPI) -> None:
    """Mount the bundled assets and the /docs and /redoc pages that use them."""
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"
    swagger = _page(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},  # no badge from the public validator
        )
    )
    redoc = _page(
        get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
    )

    @app.get("/docs", include_in_schema=False)
    async def read_docs() -> HTMLResponse:
        return HTMLResponse(swagger[0], headers=swagger[1])  # a new one: middleware adds headers

    @app.get("/redoc", include_in_schema=False)
    async def read_redoc() -> HTMLResponse:
        return HTMLResponse(redoc[0], headers=redoc[1])
