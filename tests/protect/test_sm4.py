"""SM4 field encryption: key configuration, round trips, binding to layer and field, tampering, rotation."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from layers.protect import DecryptionError, FieldCipher, KeyConfigError, KeyRing
from layers.protect.sm4 import is_encrypted

K1 = "00112233445566778899aabbccddeeff"
K2 = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
ID_NUMBER = "220102199001011234"


def ring(active: str = "k1", **keys: str) -> KeyRing:
    return KeyRing.from_config({"active": active, "keys": keys or {"k1": K1}})


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(ring())


def test_round_trip_keeps_text_and_is_self_describing(cipher: FieldCipher) -> None:
    for text in (ID_NUMBER, "张三 / Zhang San", ""):
        token = cipher.encrypt(text, layer="enf_cases", field="party_id")
        assert token.startswith("sm4gcm:k1:")
        assert is_encrypted(token) and cipher.is_encrypted(token)
        assert cipher.decrypt(token, layer="enf_cases", field="party_id") == text


def test_plaintext_does_not_appear_in_the_token(cipher: FieldCipher) -> None:
    token = cipher.encrypt(ID_NUMBER, layer="enf_cases", field="party_id")
    blob = base64.b64decode(token.split(":")[2])
    assert ID_NUMBER not in token
    assert ID_NUMBER.encode() not in blob and ID_NUMBER.encode() not in token.encode()
    assert len(blob) == 12 + len(ID_NUMBER) + 16  # nonce | ciphertext | tag
    # A fresh nonce per value: equal values are not recognisable as equal in a dump.
    assert cipher.encrypt(ID_NUMBER, layer="enf_cases", field="party_id") != token


def test_value_moved_to_another_field_or_layer_does_not_decrypt(cipher: FieldCipher) -> None:
    token = cipher.encrypt(ID_NUMBER, layer="enf_cases", field="party_id")
    with pytest.raises(DecryptionError, match="不属于此字段"):
        cipher.decrypt(token, layer="enf_cases", field="phone")
    with pytest.raises(DecryptionError, match=r"enf_clues\.party_id"):
        cipher.decrypt(token, layer="enf_clues", field="party_id")


def test_tampered_tokens_fail_with_a_clear_error(cipher: FieldCipher) -> None:
    token = cipher.encrypt(ID_NUMBER, layer="l", field="f")
    prefix, key_id, encoded = token.split(":")
    blob = bytearray(base64.b64decode(encoded))
    for position in (0, 14, len(blob) - 1):  # nonce, ciphertext, tag
        altered = bytearray(blob)
        altered[position] ^= 0x01
        forged = f"{prefix}:{key_id}:{base64.b64encode(bytes(altered)).decode()}"
        with pytest.raises(DecryptionError, match=r"已被篡改.*altered"):
            cipher.decrypt(forged, layer="l", field="f")
    with pytest.raises(DecryptionError, match=r"截断.*truncated"):
        cipher.decrypt(f"sm4gcm:k1:{base64.b64encode(bytes(blob[:20])).decode()}", layer="l", field="f")
    with pytest.raises(DecryptionError, match="base64"):
        cipher.decrypt(f"sm4gcm:k1:{encoded.rstrip('=')}A", layer="l", field="f")  # bad padding
    with pytest.raises(DecryptionError, match="不是有效的 SM4 加密值 / not an SM4 token"):
        cipher.decrypt(ID_NUMBER, layer="l", field="f")


def test_relabelling_the_key_id_fails() -> None:
    both = FieldCipher(ring("k1", k1=K1, k2=K2))
    token = both.encrypt(ID_NUMBER, layer="l", field="f")
    with pytest.raises(DecryptionError):
        both.decrypt(token.replace("sm4gcm:k1:", "sm4gcm:k2:"), layer="l", field="f")
    with pytest.raises(DecryptionError, match="未知的 SM4 密钥编号 / unknown SM4 key id 'k9'"):
        both.decrypt(token.replace("sm4gcm:k1:", "sm4gcm:k9:"), layer="l", field="f")


def test_rotation_keeps_old_values_readable_and_rewrap_moves_them() -> None:
    old = FieldCipher(ring("k1", k1=K1)).encrypt(ID_NUMBER, layer="l", field="f")
    rotated = FieldCipher(ring("k2", k1=K1, k2=K2))
    assert rotated.decrypt(old, layer="l", field="f") == ID_NUMBER
    new = rotated.encrypt("13800138000", layer="l", field="f")
    assert new.startswith("sm4gcm:k2:")
    moved = rotated.rewrap(old, layer="l", field="f")
    assert moved.startswith("sm4gcm:k2:")
    assert rotated.rewrap(moved, layer="l", field="f") == moved
    retired = FieldCipher(ring("k2", k2=K2))  # k1 removed once every value is rewrapped
    assert retired.decrypt(moved, layer="l", field="f") == ID_NUMBER
    with pytest.raises(DecryptionError, match="unknown SM4 key id 'k1'"):
        retired.decrypt(old, layer="l", field="f")


def test_is_encrypted_tells_tokens_from_plain_values(cipher: FieldCipher) -> None:
    assert not is_encrypted(ID_NUMBER)
    assert not is_encrypted(None)
    assert not is_encrypted(42)
    assert not is_encrypted("sm4gcm:k1:")
    assert is_encrypted(cipher.encrypt("x", layer="l", field="f"))


def test_key_ring_from_environment_and_key_file(tmp_path: Path) -> None:
    config = {"active": "k2", "keys": {"k1": K1, "k2": K2}}
    inline = KeyRing.from_env({"ONEMAP_SM4_KEYS": json.dumps(config)})
    assert inline.active_id == "k2" and inline.ids == ["k1", "k2"]
    assert inline.key("k1") == bytes.fromhex(K1)
    path = tmp_path / "sm4.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    from_file = KeyRing.from_env({"ONEMAP_SM4_KEY_FILE": str(path)})
    token = FieldCipher(inline).encrypt(ID_NUMBER, layer="l", field="f")
    assert FieldCipher(from_file).decrypt(token, layer="l", field="f") == ID_NUMBER
    assert K1 not in repr(inline) and K2 not in repr(inline)


@pytest.mark.parametrize(("environ", "message"), [
    ({}, "未配置 SM4 密钥 / no SM4 keys configured"),
    ({"ONEMAP_SM4_KEYS": "{not json"}, "不是有效的 JSON / ONEMAP_SM4_KEYS is not valid JSON"),
    ({"ONEMAP_SM4_KEYS": '["k1"]'}, "格式错误 / "),
    ({"ONEMAP_SM4_KEYS": json.dumps({"active": "k1", "keys": {"k1": "abcd"}})}, "32 位十六进制 / SM4 key 'k1'"),
    ({"ONEMAP_SM4_KEYS": json.dumps({"active": "k3", "keys": {"k1": K1}})}, "不在密钥列表中 / the active key 'k3'"),
    ({"ONEMAP_SM4_KEYS": json.dumps({"active": "a:b", "keys": {"a:b": K1}})}, "密钥编号无效 / invalid SM4 key id"),
    ({"ONEMAP_SM4_KEYS": "{}", "ONEMAP_SM4_KEY_FILE": "/x"}, "只能设置一个 / set only one"),
    ({"ONEMAP_SM4_KEY_FILE": "/nonexistent/sm4.json"}, "无法读取 SM4 密钥文件 / cannot read the SM4 key file"),
])
def test_bad_key_configuration_is_explained(environ: dict[str, str], message: str) -> None:
    with pytest.raises(KeyConfigError) as caught:
        KeyRing.from_env(environ)
    assert message in caught.value.message
    assert K1 not in caught.value.message
