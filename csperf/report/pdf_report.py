"""``report.pdf``: the HTML pack paginated on A4 by WeasyPrint (security.md S31).

The fetcher serves only ``data:`` URLs and the bundle's own chart files (``bundle:`` URLs,
from memory) and raises for
``file:``, ``http(s):`` and anything else, so rendering reads nothing outside the bundle. The
creation and modification dates come from the HTML's ``dcterms`` meta tags (the generation time)
and no file identifier is written, so two renderings are byte-identical.
"""

from __future__ import annotations

from typing import Any

import weasyprint
from weasyprint import urls

SCHEME = "bundle:"
TYPES = {"png": "image/png", "svg": "image/svg+xml"}


class RefusedURLError(ValueError):
    """The PDF asked for something outside the bundle (WeasyPrint then leaves it out)."""


class BundleFetcher(urls.URLFetcher):  # type: ignore[misc]
    """Serves ``data:`` URLs and the bundle's own files (``bundle:charts/x.png``) from memory."""

    def __init__(self, assets: dict[str, bytes] | None = None) -> None:
        super().__init__(timeout=2, allowed_protocols={"data"}, allow_redirects=False)
        self.assets = dict(assets or {})

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith(SCHEME) and url[len(SCHEME) :] in self.assets:
            path = url[len(SCHEME) :]
            kind = TYPES.get(path.rsplit(".", 1)[-1], "application/octet-stream")
            return urls.URLFetcherResponse(
                url, self.assets[path], headers={"Content-Type": kind}
            )
        if not url.lower().startswith("data:"):
            raise RefusedURLError(f"the report may not fetch {url[:80]!r}")
        return super().fetch(url, headers)


def render(html: str, assets: dict[str, bytes] | None = None) -> bytes:
    """The HTML as a PDF; ``assets`` are the bundle files it may refer to as ``bundle:path``."""
    document = weasyprint.HTML(string=html, url_fetcher=BundleFetcher(assets))
    pdf = document.write_pdf(pdf_identifier=False)
    if pdf is None:
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(pdf)
