"""The JSON Schema of the load format, generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from orgevents.events import LoadFile

SCHEMA_ID = "https://orgevents.invalid/schema/load-format-1.json"


def load_file_schema() -> dict[str, Any]:
    schema = LoadFile.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }
