"""Wiring only: the Chalice app, its blueprints, middleware, the schedule and the queue consumers.
Each handler calls one service; everything else lives in chalicelib/."""

from __future__ import annotations

from chalice.app import Chalice, CORSConfig

from chalicelib.api.middleware import http_middleware, metrics_flush_middleware
from chalicelib.api.routes import auth, meta, users
from chalicelib.api.routing import API_PREFIX
from chalicelib.config import settings

app = Chalice(app_name="tradebot")
app.experimental_feature_flags.update(["BLUEPRINTS"])

if settings().cors_origin:
    app.api.cors = CORSConfig(allow_origin=str(settings().cors_origin), allow_credentials=True, max_age=600)

app.register_middleware(metrics_flush_middleware, "all")
app.register_middleware(http_middleware, "http")

for blueprint in (meta.bp, auth.bp, users.bp):
    app.register_blueprint(blueprint, url_prefix=API_PREFIX)
