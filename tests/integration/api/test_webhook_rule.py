"""GIVEN the settings page's webhook field WHEN the user reads their profile THEN it says whether this server
accepts http:// webhooks (local mode only), the same rule the server applies when the URL is saved."""

from __future__ import annotations

import pytest

from chalicelib.adapters.webhook_policy import UnsafeWebhookUrl, policy_from_settings
from tests.integration.api.helpers import call, signup


def test_profile_states_the_http_rule_of_local_mode(api):
    user = signup(api)
    status, me, _ = call(api, "GET", "/users/me", token=user["access_token"])
    assert status == 200 and me["webhook_allows_http"] is True  # the tests run the app in local mode
    status, body, _ = call(
        api, "PATCH", "/users/me/settings", {"webhook_url": "http://hooks.example.com/t"}, token=user["access_token"]
    )
    assert status == 200 and body["webhook_url"] == "http://hooks.example.com/t"


def test_outside_local_mode_http_is_refused_with_the_reason():
    policy = policy_from_settings(False, {})
    assert policy.allow_http is False
    with pytest.raises(UnsafeWebhookUrl, match="(?i)https"):
        policy.check("http://hooks.example.com/t", resolve=False)
