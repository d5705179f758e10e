"""The Tracer is built on first use, not when a module decorates its functions with it."""

from __future__ import annotations

from chalicelib.observability import LazyTracer


def test_decorating_builds_no_tracer_and_the_first_call_does() -> None:
    tracer = LazyTracer(service="test")

    @tracer.capture_method
    def add(a: int, b: int = 1) -> int:
        return a + b

    assert tracer._built is None and add.__name__ == "add"
    assert add(2, b=3) == 5
    built = tracer._built
    assert built is not None and tracer.build() is built
    assert tracer.service == built.service  # other attributes are the built tracer's
