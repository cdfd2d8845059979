"""The shipped Streamlit settings (security.md S16)."""

import tomllib
from pathlib import Path

CONFIG = tomllib.loads(
    (Path(__file__).parent.parent / ".streamlit" / "config.toml").read_text()
)


def test_server_settings_are_locked_down():
    server = CONFIG["server"]
    assert server["address"] == "localhost"
    assert server["headless"] is True
    assert server["maxUploadSize"] == 50
    assert server["maxMessageSize"] == 200
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert server["enableStaticServing"] is False
    assert server["disconnectedSessionTTL"] == 120


def test_client_settings_hide_errors_and_streamlits_own_page_list():
    assert CONFIG["client"] == {
        "showErrorDetails": "none",
        "toolbarMode": "viewer",
        "showSidebarNavigation": False,
    }
    assert CONFIG["browser"]["gatherUsageStats"] is False
