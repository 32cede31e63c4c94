"""Property-based: whatever arrives, the answer is a 2xx or a 4xx problem, never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from service.app import create_app
from stance.config import ServiceSettings, StoreSettings, TextLimits

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def client(trained_store: Any) -> Iterator[TestClient[Any]]:
    settings_ = ServiceSettings(
        store=StoreSettings(models_dir=trained_store.root),
        reload_interval=0,
        admin_token="fuzz-token",
        limits=TextLimits(max_chars=2000),
        max_body_bytes=32 * 1024,
        max_batch=8,
    )
    with TestClient(create_app(settings_)) as c:
        yield c


def check(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == response.status_code and body["detail"]
        assert "Traceback" not in response.text


@FUZZ
@given(text=st.text(st.characters(codec="utf-8"), max_size=2500), explain=st.booleans())
def test_any_unicode_text(client: TestClient[Any], text: str, explain: bool) -> None:
    r = client.post("/v1/classify", json={"text": text, "explain": explain})
    check(r)
    if r.status_code == 200:
        assert abs(sum(r.json()["scores"].values()) - 1.0) < 1e-9


@FUZZ
@given(text=st.text(st.characters(min_codepoint=0, max_codepoint=0x3F), min_size=1, max_size=200))
def test_control_characters(client: TestClient[Any], text: str) -> None:
    check(client.post("/v1/classify", json={"text": text}))


@FUZZ
@given(body=json_values)
def test_odd_json_documents(client: TestClient[Any], body: Any) -> None:
    for path in ("/v1/classify", "/v1/classify/batch"):
        check(
            client.post(
                path,
                content=json.dumps(body).encode(),
                headers={"content-type": "application/json"},
            )
        )
    check(
        client.put(
            "/v1/models/active",
            content=json.dumps(body).encode(),
            headers={"content-type": "application/json", "authorization": "Bearer fuzz-token"},
        )
    )


@FUZZ
@given(
    raw=st.binary(max_size=4096),
    content_type=st.sampled_from(["application/json", "text/plain", "", "x/y"]),
)
def test_raw_bytes(client: TestClient[Any], raw: bytes, content_type: str) -> None:
    check(client.post("/v1/classify", content=raw, headers={"content-type": content_type}))


@FUZZ
@given(texts=st.lists(st.text(max_size=300), max_size=12))
def test_batches(client: TestClient[Any], texts: list[str]) -> None:
    r = client.post("/v1/classify/batch", json={"texts": texts})
    check(r)
    if r.status_code == 200:
        assert len(r.json()["results"]) == len(texts)


def test_huge_body_and_deep_nesting(client: TestClient[Any]) -> None:
    check(client.post("/v1/classify", content=b"[" * 100_000, headers={"content-type": "application/json"}))
    check(
        client.post(
            "/v1/classify",
            content=b"[" * 5_000 + b"]" * 5_000,
            headers={"content-type": "application/json"},
        )
    )
    check(client.post("/v1/classify", json={"text": "word " * 100_000}))
    check(client.post("/v1/classify/batch", json={"texts": ["x" * 3000] * 8}))
