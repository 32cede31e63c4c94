"""The HTTP contract through Litestar's test client, every error case included."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from litestar.testing import TestClient

from service.app import create_app
from stance.bundle import MODEL_FILE
from stance.config import ServiceSettings, StoreSettings, TextLimits
from stance.labels import LABELS
from stance.store import ModelStore

TOKEN = "test-admin-token-0123456789"
JSON = {"content-type": "application/json"}
ADMIN = {**JSON, "authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def settings(store_settings: StoreSettings) -> ServiceSettings:
    return ServiceSettings(
        store=store_settings,
        admin_token=TOKEN,
        reload_interval=0,
        max_batch=4,
        limits=TextLimits(max_chars=500),
        max_body_bytes=64 * 1024,
    )


@pytest.fixture
def client(settings: ServiceSettings) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def assert_problem(response: Any, status: int, detail_part: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    assert detail_part in body["detail"]
    return body


def test_classify(client: TestClient[Any]) -> None:
    r = client.post("/v1/classify", json={"text": "We are ready to settle the dispute through dialogue."})
    assert r.status_code == 200
    body = r.json()
    assert body["label"] in LABELS
    assert list(body["scores"]) == list(LABELS)
    assert sum(body["scores"].values()) == pytest.approx(1.0, abs=1e-12)
    assert body["label"] == max(body["scores"], key=body["scores"].get)
    assert body["model"] == {"name": "stance-framing", "version": 1}
    assert "explanation" not in body
    assert r.headers["x-request-id"]


def test_classify_with_explanation(client: TestClient[Any]) -> None:
    r = client.post(
        "/v1/classify",
        json={"text": "We reject military blocs and the Cold War mentality.", "explain": True},
    )
    terms = r.json()["explanation"]
    assert 1 <= len(terms) <= 10
    weights = [t["weight"] for t in terms]
    assert weights == sorted(weights, reverse=True) and weights[-1] > 0
    assert {t["kind"] for t in terms} <= {"word", "char"}


def test_batch_in_input_order(client: TestClient[Any]) -> None:
    texts = [
        "We welcome the talks.",
        "We reject these baseless accusations.",
        "The session closed at noon.",
    ]
    r = client.post("/v1/classify/batch", json={"texts": texts, "explain": True})
    assert r.status_code == 200
    results = r.json()["results"]
    singles = [client.post("/v1/classify", json={"text": t, "explain": True}).json() for t in texts]
    assert [x["label"] for x in results] == [s["label"] for s in singles]
    assert [x["scores"] for x in results] == [s["scores"] for s in singles]
    assert [x["explanation"] for x in results] == [s["explanation"] for s in singles]
    assert r.json()["model"]["version"] == 1


def test_batch_limit_is_named(client: TestClient[Any]) -> None:
    assert_problem(
        client.post("/v1/classify/batch", json={"texts": ["a"] * 5}),
        422,
        "limit is 4 (STANCE_MAX_BATCH)",
    )


def test_batch_names_the_bad_item(client: TestClient[Any]) -> None:
    assert_problem(
        client.post("/v1/classify/batch", json={"texts": ["fine", " "]}),
        422,
        "texts[1]: text is empty",
    )


def test_empty_batch_is_fine(client: TestClient[Any]) -> None:
    r = client.post("/v1/classify/batch", json={"texts": []})
    assert r.status_code == 200 and r.json()["results"] == []


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (b'{"text": "unterminated', 400, "not valid JSON"),
        (b"\xff\xfe\x00", 400, "not valid JSON"),
        (b"{}", 422, "missing required field `text`"),
        (b'{"text": ""}', 422, "empty or whitespace only"),
        (b'{"text": " \\n\\t "}', 422, "empty or whitespace only"),
        (b'{"text": 42}', 422, "Expected `str`"),
        (b'{"text": null}', 422, "Expected `str`"),
        (b'["text"]', 422, "Expected `object`"),
        (b'{"text": "ok", "explain": "yes"}', 422, "Expected `bool`"),
        (b'{"text": "ok", "extra": 1}', 422, "unknown field `extra`"),
    ],
)
def test_bad_bodies(client: TestClient[Any], body: bytes, status: int, detail: str) -> None:
    assert_problem(client.post("/v1/classify", content=body, headers=JSON), status, detail)


def test_text_over_limit_names_limit(client: TestClient[Any]) -> None:
    assert_problem(
        client.post("/v1/classify", json={"text": "x" * 501}),
        422,
        "the limit is 500 (STANCE_MAX_CHARS)",
    )


def test_body_over_limit_is_413(client: TestClient[Any]) -> None:
    assert_problem(client.post("/v1/classify", json={"text": "x" * 70_000}), 413, "STANCE_MAX_BODY_BYTES")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_wrong_content_type_is_415(client: TestClient[Any], content_type: str) -> None:
    r = client.post("/v1/classify", content=b'{"text": "hello"}', headers={"content-type": content_type})
    assert_problem(r, 415, "application/json")


def test_unknown_route_is_a_problem(client: TestClient[Any]) -> None:
    assert_problem(client.get("/v2/nothing"), 404)
    assert_problem(client.delete("/v1/classify"), 405)


def test_models_listing(client: TestClient[Any]) -> None:
    body = client.get("/v1/models").json()
    assert body["name"] == "stance-framing"
    assert (body["champion"], body["active"], body["pinned"]) == (1, 1, False)
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert 0 <= body["versions"][0]["metrics"]["macro_f1"] <= 1


def test_admin_auth(client: TestClient[Any]) -> None:
    body = {"version": 2}
    assert_problem(client.put("/v1/models/active", json=body), 401, "Bearer")
    wrong = {**JSON, "authorization": "Bearer nope"}
    r = client.put("/v1/models/active", json=body, headers=wrong)
    assert_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert_problem(client.put("/v1/models/active", json=body, headers={**JSON, "authorization": TOKEN}), 401)


def test_admin_disabled_without_token(settings: ServiceSettings) -> None:
    with TestClient(create_app(replace(settings, admin_token=None))) as c:
        r = c.put("/v1/models/active", json={"version": 2}, headers=ADMIN)
        assert_problem(r, 403, "set STANCE_ADMIN_TOKEN")


def test_swap_and_pin(client: TestClient[Any]) -> None:
    r = client.put("/v1/models/active", json={"version": 2}, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert (r.json()["active"], r.json()["pinned"]) == (2, True)
    assert client.post("/v1/classify", json={"text": "hello there"}).json()["model"]["version"] == 2
    assert client.get("/health/ready").json()["model"]["version"] == 2


def test_swap_to_unknown_version_is_404(client: TestClient[Any]) -> None:
    assert_problem(client.put("/v1/models/active", json={"version": 9}, headers=ADMIN), 404, "no version 9")
    assert_problem(client.put("/v1/models/active", json={"version": 0}, headers=ADMIN), 422)


def test_swap_to_tampered_bundle_is_409_and_keeps_serving(client: TestClient[Any], store_copy: ModelStore) -> None:
    model = store_copy.path(2) / MODEL_FILE
    os.chmod(model, 0o644)
    model.write_bytes(model.read_bytes()[:-10] + b"0123456789")
    assert_problem(client.put("/v1/models/active", json={"version": 2}, headers=ADMIN), 409, "SHA-256")
    assert client.post("/v1/classify", json={"text": "hello"}).json()["model"]["version"] == 1
    assert "stance_model_load_failures_total 1.0" in client.get("/metrics").text


def test_health(client: TestClient[Any]) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    assert client.get("/health/ready").json() == {
        "status": "ready",
        "model": {"name": "stance-framing", "version": 1},
    }


def test_not_ready_without_a_model(tmp_path: Any) -> None:
    settings = ServiceSettings(store=StoreSettings(models_dir=tmp_path), reload_interval=0)
    with TestClient(create_app(settings)) as c:
        assert c.get("/health/live").status_code == 200
        assert c.get("/health/ready").status_code == 503
        assert_problem(c.post("/v1/classify", json={"text": "hello"}), 503, "no model is loaded")


def test_metrics(client: TestClient[Any]) -> None:
    client.post("/v1/classify", json={"text": "We are ready to cooperate."})
    client.post("/v1/classify", json={"text": ""})
    text = client.get("/metrics").text
    assert 'stance_http_requests_total{method="POST",route="/v1/classify",status="200"} 1.0' in text
    assert 'stance_http_requests_total{method="POST",route="/v1/classify",status="422"} 1.0' in text
    assert "stance_http_request_duration_seconds_bucket" in text
    assert "stance_active_model_version 1.0" in text
    assert (
        sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("stance_predictions_total{"))
        == 1.0
    )


def test_openapi_documents_every_route(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/v1/classify",
        "/v1/classify/batch",
        "/v1/models",
        "/v1/models/active",
        "/health/ready",
        "/metrics",
    ):
        assert path in paths
    assert "bloc_rejecting" in schema["info"]["description"]
    assert client.get("/schema").status_code == 200


def test_follows_the_champion_pointer(settings: ServiceSettings, store_copy: ModelStore) -> None:
    with TestClient(create_app(replace(settings, reload_interval=0.1))) as c:
        c.put("/v1/models/active", json={"version": 1}, headers=ADMIN)
        assert c.get("/v1/models").json()["pinned"] is True
        store_copy.set_champion(2)
        deadline = time.monotonic() + 10
        while c.get("/health/ready").json()["model"]["version"] != 2:
            assert time.monotonic() < deadline, "did not follow the champion"
            time.sleep(0.05)
        assert c.get("/v1/models").json()["pinned"] is False


def test_bad_new_champion_is_counted_and_ignored(settings: ServiceSettings, store_copy: ModelStore) -> None:
    manifest = store_copy.path(2) / "manifest.json"
    os.chmod(manifest, 0o644)
    data = json.loads(manifest.read_text())
    data["labels"] = [*data["labels"][1:], data["labels"][0]]
    manifest.write_text(json.dumps(data))
    with TestClient(create_app(replace(settings, reload_interval=0.1))) as c:
        store_copy.set_champion(2)
        deadline = time.monotonic() + 10
        while "stance_model_load_failures_total 1.0" not in c.get("/metrics").text:
            assert time.monotonic() < deadline, "the bad champion was not noticed"
            time.sleep(0.05)
        assert c.get("/health/ready").json()["model"]["version"] == 1
        assert c.post("/v1/classify", json={"text": "hello"}).status_code == 200
