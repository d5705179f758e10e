"""The environment the local runtime gives the app before importing it."""

from __future__ import annotations

from infra.local.runtime import LocalRuntime, RuntimeOptions


def test_mail_links_point_at_the_web_app_on_the_runtimes_own_port() -> None:
    env: dict[str, str] = {}
    LocalRuntime(RuntimeOptions(api_port=8123), environ=env)._set_environment()
    assert env["TRADEBOT_WEB_BASE_URL"] == "http://127.0.0.1:8123"


def test_a_web_base_url_the_operator_set_is_kept() -> None:
    env = {"TRADEBOT_WEB_BASE_URL": "https://app.example.com"}
    LocalRuntime(RuntimeOptions(api_port=8123), environ=env)._set_environment()
    assert env["TRADEBOT_WEB_BASE_URL"] == "https://app.example.com"
