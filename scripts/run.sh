#!/usr/bin/env bash
# Install what the app needs and start it; the first start builds the fictional demo council.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q --disable-pip-version-check -r requirements.txt
exec python -m streamlit run app.py --server.headless true --server.address 127.0.0.1 \
  --browser.gatherUsageStats false "$@"
