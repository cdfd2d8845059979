"""Draws charts for ``sections.render_all`` in a second process: Vega-Lite specs as JSON on
stdin, ``[[svg, base64 png], ...]`` as JSON on stdout. Nothing is written to disk."""

from __future__ import annotations

import base64
import json
import sys

from csperf.report import sections


def main() -> int:
    specs = json.loads(sys.stdin.buffer.read())
    drawn = [sections.render_one(spec) for spec in specs]
    out = [[svg, base64.b64encode(png).decode("ascii")] for svg, png in drawn]
    sys.stdout.write(json.dumps(out))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
