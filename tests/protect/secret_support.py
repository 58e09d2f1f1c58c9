"""Shared pieces of the secret-field tests: a layer with an SM4-encrypted ID number, key rings, ID numbers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import Point

from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord

K1 = "00112233445566778899aabbccddeeff"
K2 = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
OTHER_KEY = "ffeeddccbbaa99887766554433221100"

CASES = LayerDefinition.model_validate({
    "id": "sec_cases", "title_zh": "加密测试案件", "title_en": "Secret test cases", "domain": "enforcement",
    "catalogue_code": "JL-JT-TEST-0901", "geometry_type": "Point", "valid_extent": [120.0, 40.0, 132.0, 47.0],
    "read_roles": ["inspector", "enforcement_lead", "legal_reviewer"], "write_roles": ["enforcement_lead"],
    "access": {"secret_roles": ["enforcement_lead", "legal_reviewer"], "unmask_roles": ["enforcement_lead"]},
    "fields": [
        {"name": "case_no", "type": "string", "title_zh": "案件编号", "max_length": 24},
        {"name": "party_id_number", "type": "string", "title_zh": "当事人身份证号", "max_length": 18,
         "secret": True, "sensitive": "id_number"},
        {"name": "fine", "type": "number", "title_zh": "罚款"},
    ],
})


def id_number(i: int) -> str:
    return f"2201021990{i:02d}01{i:03d}X"[:18]


def case(i: int, **properties: Any) -> FeatureRecord:
    return FeatureRecord(Point(125.3 + i / 100, 43.85),
                         {"case_no": f"ZF{i:04d}", "party_id_number": id_number(i), "fine": 100.0 * i, **properties})


def ring(active: str = "k1", **keys: str) -> str:
    return json.dumps({"active": active, "keys": keys or {"k1": K1}})


def use_keys(monkeypatch: pytest.MonkeyPatch, active: str = "k1", **keys: str) -> None:
    """Configure ONEMAP_SM4_KEYS inline (and no key file)."""
    monkeypatch.delenv("ONEMAP_SM4_KEY_FILE", raising=False)
    monkeypatch.setenv("ONEMAP_SM4_KEYS", ring(active, **keys))


def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONEMAP_SM4_KEYS", raising=False)
    monkeypatch.delenv("ONEMAP_SM4_KEY_FILE", raising=False)
