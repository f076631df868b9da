"""A property-based fuzz of the write endpoint: whatever the body, the server answers without a
500, and a load is written whole or not at all.

Bodies are load files mixing valid entries, entries that break a rule (unknown units, cycles,
double keys, bad dates, unknown fields, wrong kinds) and text that is no load file at all, sent
as JSON, YAML or raw bytes. After each request the store holds exactly the appended events; a
refused load leaves it as it was, and sending an accepted load again appends nothing.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgevents.http.app import create_app
from tests.conftest import BASE, entries

AUTH = {"Authorization": "Bearer fuzz"}
OK = {200, 201}
REFUSED = {413, 415, 422}
READS = ("/api/units?at=2021-06-01", "/api/history/a", "/api/diff?from=0001-01-01&to=9999-12-31")

keys = st.sampled_from(["a", "b", "af", "ac", "br", "t", "new", "nowhere", "A", "x y", ""])
entry_keys = st.one_of(st.sampled_from(["e-a", "r-1", "r-2", "m-1", "x-1"]), st.text(max_size=6))
names = st.text(max_size=40) | st.sampled_from(
    ["Udvalget for Æbler og Østers", "<img src=x onerror=alert(1)>", '"]; evil [', "\\N"]
)
dates = st.one_of(
    st.sampled_from(["2020-01-01", "2021-06-01", "2019-12-31", "2022", "2026-H1", "~2030"]),
    st.sampled_from(["0001-01-01", "9999-12-31", "2021-02-30", "yesterday", ""]),
    st.integers(-10, 10_000),
    st.dates().map(str),
)
sources = st.one_of(
    st.just([{"document": "doc", "locator": "s. 1"}]),
    st.just([{"document": "missing", "locator": "s. 1"}]),
    st.just([]),
    st.lists(st.fixed_dictionaries({"document": st.text(max_size=5), "locator": names})),
)
kinds = st.sampled_from(["council", "committee", "centre", "team", "taskforce", "comittee"])
roles = st.sampled_from(["authority", "performer", "owner"])


def change(entry_type: str, **fields: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.just(entry_type),
            "key": entry_keys,
            "effective": dates,
            "sources": sources,
            **fields,
        },
        optional={"note": names, "colour": names, "decision": keys},
    )


valid_or_not = st.one_of(
    change("UnitEstablished", unit=keys, name=names, kind=kinds, parent=st.none() | keys),
    change("UnitRenamed", unit=keys, name=names),
    change("UnitMoved", unit=keys, parent=keys),
    change("UnitAbolished", unit=keys),
    change("ResponsibilityAssigned", responsibility=keys, unit=keys, role=roles),
    change(
        "ResponsibilityTransferred",
        responsibility=keys,
        role=roles,
        from_units=st.lists(keys, max_size=3),
        to_unit=keys,
    ),
    st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=4),
)
fresh = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)
fair_names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(str.strip)
fair_dates = st.sampled_from(["2021-01-01", "2021-06-01", "2022", "2023-Q2", "~2024"])
SOURCES = [{"document": "doc", "locator": "s. 1"}]
valid = st.one_of(  # entries that hold, unless their key was used before with other content
    st.fixed_dictionaries(
        {
            "type": st.just("UnitEstablished"),
            "key": fresh.map("e-{}".format),
            "unit": fresh.map("u{}".format),
            "name": fair_names,
            "kind": st.sampled_from(["team", "centre", "office"]),
            "parent": st.sampled_from(["a", "b", "af", "ac"]),
            "effective": fair_dates,
            "sources": st.just(SOURCES),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("UnitRenamed"),
            "key": fresh.map("r-{}".format),
            "unit": st.sampled_from(["a", "b", "af", "ac"]),
            "name": fair_names,
            "effective": fair_dates,
            "sources": st.just(SOURCES),
        }
    ),
)
load_files = st.fixed_dictionaries(
    {
        "format": st.sampled_from(["orgevents/1"] * 5 + ["orgevents/2"]),
        "entries": st.lists(valid, max_size=5) | st.lists(valid | valid_or_not, max_size=6),
    }
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    """(body, content type): a load file as JSON or YAML, any JSON value, or any bytes."""
    shape = draw(st.sampled_from(["json", "json", "yaml", "yaml", "value", "bytes"]))
    if shape == "bytes":
        return draw(st.binary(max_size=300)), draw(
            st.sampled_from(["application/yaml", "application/json", "text/plain"])
        )
    if shape == "value":
        return json.dumps(draw(json_values)).encode(), "application/json"
    data = draw(load_files)
    if shape == "json":
        return json.dumps(data, ensure_ascii=draw(st.booleans())).encode(), "application/json"
    return yaml.safe_dump(data, allow_unicode=True).encode(), "application/yaml"


def test_no_request_body_makes_a_500_or_a_partial_write():
    client = TestClient(create_app("memory:", "fuzz", max_body=4_000))
    store = client.app.state.service.store
    store.record(entries(BASE), "tests")

    @settings(
        max_examples=250,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(bodies())
    def one_request(sent: tuple[bytes, str]) -> None:
        body, media = sent
        before = store.last_position()
        answer = client.post("/api/entries", content=body, headers=AUTH | {"Content-Type": media})
        assert answer.status_code in OK | REFUSED, (answer.status_code, answer.text)
        written = store.last_position() - before
        if answer.status_code in OK:
            result = answer.json()
            assert written == result["appended"] == len(result["appended_keys"])
            again = client.post(
                "/api/entries", content=body, headers=AUTH | {"Content-Type": media}
            )
            assert again.status_code == 200, again.text
            assert again.json()["appended"] == 0
            assert store.last_position() - before == written
            for path in READS:  # what was written can be read back
                assert client.get(path).status_code == 200, path
        else:
            assert written == 0, "a refused load wrote something"
            assert answer.json()["detail"]

    one_request()
