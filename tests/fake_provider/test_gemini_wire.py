"""The Gemini v1beta surface: generateContent, its SSE stream, and cachedContents CRUD."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .provider import FakeProvider

KEY = {"x-goog-api-key": "gm-test"}
BIG = {"parts": [{"text": "word " * 1500}]}


def post(fake: FakeProvider, path: str, body: dict[str, Any], headers: dict[str, str] = KEY) -> httpx.Response:
    return httpx.post(f"{fake.gemini_base}{path}", json=body, headers=headers)


def create(fake: FakeProvider, **fields: Any) -> httpx.Response:
    return post(
        fake,
        "/cachedContents",
        {"model": "models/gemini-2.5-flash", "systemInstruction": BIG, "contents": [], **fields},
    )


def ask(fake: FakeProvider, text: str, **fields: Any) -> httpx.Response:
    return post(
        fake,
        "/models/gemini-2.5-flash:generateContent",
        {"contents": [{"role": "user", "parts": [{"text": text}]}], **fields},
    )


def test_it_answers_generate_content_with_usage(fake: FakeProvider) -> None:
    body = ask(fake, "hello there", systemInstruction={"parts": [{"text": "Be brief."}]}).json()
    assert body["candidates"][0]["content"] == {"parts": [{"text": "Answer to: hello there"}], "role": "model"}
    assert body["candidates"][0]["finishReason"] == "STOP"
    assert body["usageMetadata"] == {"promptTokenCount": 5, "candidatesTokenCount": 5, "totalTokenCount": 10}


def test_it_streams_sse_chunks_with_usage_on_each(fake: FakeProvider) -> None:
    response = post(
        fake,
        "/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
    )
    events = [json.loads(line[6:]) for line in response.text.split("\n\n") if line.startswith("data: ")]
    assert (
        len(events) > 1
        and "".join(e["candidates"][0]["content"]["parts"][0]["text"] for e in events) == "Answer to: hi"
    )
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"
    assert all(e["usageMetadata"]["promptTokenCount"] == 1 for e in events)


def test_a_cached_content_is_the_prompts_prefix(fake: FakeProvider) -> None:
    created = create(fake, displayName="k1", ttl="300s").json()
    assert created["name"].startswith("cachedContents/") and created["usageMetadata"] == {"totalTokenCount": 1500}
    usage = ask(fake, "a question", cachedContent=created["name"]).json()["usageMetadata"]
    assert usage["cachedContentTokenCount"] == 1500 and usage["promptTokenCount"] == 1502
    assert fake.gemini.created == 1


def test_it_refuses_a_cache_that_is_too_small(fake: FakeProvider) -> None:
    response = post(
        fake,
        "/cachedContents",
        {"model": "models/gemini-2.5-flash", "contents": [{"role": "user", "parts": [{"text": "word " * 896}]}]},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": 400,
        "message": "Cached content is too small. total_token_count=896, min_total_token_count=1024",
        "status": "INVALID_ARGUMENT",
    }
    assert fake.gemini.created == 0


def test_it_refuses_system_instruction_or_tools_beside_a_cache(fake: FakeProvider) -> None:
    name = create(fake).json()["name"]
    response = ask(fake, "q", cachedContent=name, systemInstruction={"parts": [{"text": "x"}]})
    assert response.status_code == 400 and "can not be used with GenerateContent" in response.text


def test_an_expired_deleted_or_foreign_cache_is_not_found(fake: FakeProvider) -> None:
    name = create(fake, ttl="60s").json()["name"]
    other = httpx.post(
        f"{fake.gemini_base}/models/gemini-2.5-flash:generateContent?key=someone-else",
        json={"cachedContent": name, "contents": [{"role": "user", "parts": [{"text": "q"}]}]},
    )
    assert other.status_code == 403 and "CachedContent not found" in other.text
    fake.gemini.advance(61)
    assert ask(fake, "q", cachedContent=name).status_code == 403
    assert fake.gemini.live() == []


def test_list_get_patch_and_delete(fake: FakeProvider) -> None:
    names = [create(fake, displayName=f"c{n}").json()["name"] for n in range(3)]
    first = httpx.get(f"{fake.gemini_base}/cachedContents?pageSize=2", headers=KEY).json()
    second = httpx.get(
        f"{fake.gemini_base}/cachedContents?pageSize=2&pageToken={first['nextPageToken']}", headers=KEY
    ).json()
    assert [c["displayName"] for c in first["cachedContents"] + second["cachedContents"]] == ["c0", "c1", "c2"]
    assert "nextPageToken" not in second and "contents" not in first["cachedContents"][0]

    url = f"{fake.gemini_base}/{names[0]}"
    before = httpx.get(url, headers=KEY).json()["expireTime"]
    patched = httpx.patch(url, json={"ttl": "7200s"}, headers=KEY).json()
    assert patched["expireTime"] > before and fake.gemini.patched == 1
    assert httpx.patch(url, json={"displayName": "x"}, headers=KEY).status_code == 400

    assert httpx.delete(url, headers=KEY).status_code == 200
    assert httpx.get(url, headers=KEY).status_code == 403
    assert fake.gemini.deleted == 1 and len(fake.gemini.live()) == 2


@pytest.mark.parametrize(
    "fields", [{"ttl": "5m"}, {"ttl": "1s", "expireTime": "2030-01-01T00:00:00Z"}, {"displayName": "x" * 129}]
)
def test_it_refuses_bad_cache_fields(fake: FakeProvider, fields: dict[str, Any]) -> None:
    assert create(fake, **fields).status_code == 400


def test_it_requires_an_api_key(fake: FakeProvider) -> None:
    assert ask(fake, "q").status_code == 200
    assert post(fake, "/models/gemini-2.5-flash:generateContent", {"contents": []}, headers={}).status_code == 403
