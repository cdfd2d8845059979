"""``report.pdf``: the HTML pack paginated on A4 by WeasyPrint (security.md S31).

The fetcher serves only ``data:`` URLs and the bundle's own chart files (``bundle:`` URLs,
from memory) and raises for
``file:``, ``http(s):`` and anything else, so rendering reads nothing outside the bundle. The
creation and modification dates come from the HTML's ``dcterms`` meta tags (the generation time)
and no file identifier is written, so two renderings are byte-identical.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
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


class Pending:
    """A PDF being paginated by a worker process (``python -m csperf.report.pdf_report``),
    fed through a pipe, while this process writes the other files. ``result`` returns its
    bytes, or renders here when the worker failed: the output is the same either way."""

    def __init__(self, html: str, assets: dict[str, bytes]) -> None:
        self.html, self.assets = html, assets
        self.worker: subprocess.Popen[bytes] | None = None
        self.feeder: threading.Thread | None = None
        if (os.cpu_count() or 1) < 2:
            return
        try:
            self.worker = subprocess.Popen(  # noqa: S603 (this interpreter, a fixed module)
                [sys.executable, "-m", "csperf.report.pdf_report"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return
        payload = json.dumps(
            {"html": html,
             "assets": {k: base64.b64encode(v).decode("ascii") for k, v in assets.items()}}
        ).encode()  # fmt: skip
        self.feeder = threading.Thread(target=self._feed, args=(payload,), daemon=True)
        self.feeder.start()

    def _feed(self, payload: bytes) -> None:
        if self.worker is None or self.worker.stdin is None:
            return
        try:
            self.worker.stdin.write(payload)
            self.worker.stdin.close()
        except OSError:
            pass

    def result(self) -> bytes:
        worker = self.worker
        if worker is not None and worker.stdout is not None:
            try:
                pdf = worker.stdout.read()
                worker.wait(timeout=600)
                if self.feeder is not None:
                    self.feeder.join()
                if worker.returncode == 0 and pdf.startswith(b"%PDF"):
                    return pdf
            except (OSError, subprocess.TimeoutExpired):
                worker.kill()
        return render(self.html, self.assets)


def _main() -> int:
    given = json.loads(sys.stdin.buffer.read())
    assets = {k: base64.b64decode(v) for k, v in given["assets"].items()}
    sys.stdout.buffer.write(render(given["html"], assets))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_main())
