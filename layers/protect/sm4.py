"""SM4 field encryption: the key ring (from configuration) and `FieldCipher`, which turns a field
value into a self-describing token and back.

Token: ``sm4gcm:<key id>:<base64(nonce | ciphertext | tag)>`` — SM4 in GCM mode (``cryptography``'s
``algorithms.SM4`` + ``modes.GCM``), a random 12-byte nonce per value, a 16-byte tag. The associated
data binds the value to its layer, field and key id, so a token copied into another field or layer
(or relabelled with another key id) fails to decrypt instead of being read in the wrong place.

Keys: ``ONEMAP_SM4_KEYS`` (the JSON below, inline) or ``ONEMAP_SM4_KEY_FILE`` (a file holding it)::

    {"active": "k2", "keys": {"k1": "<32 hex digits>", "k2": "<32 hex digits>"}}

New values are encrypted under the active key; values under any key of the ring stay readable, and
`FieldCipher.rewrap` moves a value to the active key (rotation).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from layers.protect.errors import DecryptionError, KeyConfigError

PREFIX = "sm4gcm"
KEYS_ENV = "ONEMAP_SM4_KEYS"
KEY_FILE_ENV = "ONEMAP_SM4_KEY_FILE"
KEY_BYTES = 16
NONCE_BYTES = 12
TAG_BYTES = 16

_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_HEX_KEY = re.compile(r"^[0-9A-Fa-f]{32}$")
_TOKEN = re.compile(rf"^{PREFIX}:([A-Za-z0-9_.-]{{1,64}}):([A-Za-z0-9+/]+={{0,2}})$")
_EXAMPLE = '{"active": "k1", "keys": {"k1": "<32 位十六进制 / 32 hex digits>"}}'


class KeyRing:
    """SM4 keys by id, one of them active (used for new values). The keys never appear in its repr."""

    def __init__(self, keys: Mapping[str, bytes], active: str) -> None:
        if not keys:
            raise KeyConfigError("SM4 密钥配置中没有密钥 / the SM4 key configuration holds no keys")
        for key_id, key in keys.items():
            if not _KEY_ID.match(key_id):
                raise KeyConfigError(f"SM4 密钥编号无效 / invalid SM4 key id {key_id!r} "
                                     "(letters, digits, '_', '.', '-'; at most 64)")
            if len(key) != KEY_BYTES:
                raise KeyConfigError(f"SM4 密钥 {key_id!r} 长度应为 16 字节 / SM4 key {key_id!r} must be 16 bytes, "
                                     f"got {len(key)}")
        if active not in keys:
            raise KeyConfigError(f"当前密钥 {active!r} 不在密钥列表中 / the active key {active!r} is not among "
                                 f"the keys {sorted(keys)}")
        self._keys = dict(keys)
        self.active_id = active

    def __repr__(self) -> str:
        return f"KeyRing(active={self.active_id!r}, ids={sorted(self._keys)!r})"

    @property
    def ids(self) -> list[str]:
        return sorted(self._keys)

    def key(self, key_id: str) -> bytes:
        try:
            return self._keys[key_id]
        except KeyError:
            raise DecryptionError(f"未知的 SM4 密钥编号 / unknown SM4 key id {key_id!r}: the value was encrypted "
                                  "under a key that is not configured") from None

    @classmethod
    def from_config(cls, config: Any, *, source: str = "SM4 key configuration") -> KeyRing:
        """From the parsed configuration object ``{"active": id, "keys": {id: hex}}``."""
        if not isinstance(config, dict) or not isinstance(config.get("keys"), dict) \
                or not isinstance(config.get("active"), str):
            raise KeyConfigError(f"SM4 密钥配置格式错误 / {source} must be an object like {_EXAMPLE}")
        keys: dict[str, bytes] = {}
        for key_id, text in config["keys"].items():
            if not isinstance(text, str) or not _HEX_KEY.match(text):
                raise KeyConfigError(f"SM4 密钥 {key_id!r} 应为 32 位十六进制 / SM4 key {key_id!r} in {source} "
                                     "must be 32 hex digits (16 bytes)")
            keys[key_id] = bytes.fromhex(text)
        return cls(keys, config["active"])

    @classmethod
    def from_json(cls, text: str, *, source: str = KEYS_ENV) -> KeyRing:
        try:
            config = json.loads(text)
        except ValueError as exc:
            raise KeyConfigError(f"SM4 密钥配置不是有效的 JSON / {source} is not valid JSON "
                                 f"(line {getattr(exc, 'lineno', '?')}): expected {_EXAMPLE}") from None
        return cls.from_config(config, source=source)

    @classmethod
    def from_file(cls, path: Path | str) -> KeyRing:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyConfigError(f"无法读取 SM4 密钥文件 / cannot read the SM4 key file {str(path)!r}: "
                                 f"{exc.strerror or exc}") from None
        return cls.from_json(text, source=f"key file {str(path)!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KeyRing:
        """From ONEMAP_SM4_KEYS (inline JSON) or ONEMAP_SM4_KEY_FILE; setting both, or neither, is an error."""
        env = os.environ if environ is None else environ
        inline, path = env.get(KEYS_ENV, "").strip(), env.get(KEY_FILE_ENV, "").strip()
        if inline and path:
            raise KeyConfigError(f"{KEYS_ENV} 与 {KEY_FILE_ENV} 只能设置一个 / set only one of {KEYS_ENV} and "
                                 f"{KEY_FILE_ENV}")
        if inline:
            return cls.from_json(inline)
        if path:
            return cls.from_file(path)
        raise KeyConfigError(f"未配置 SM4 密钥 / no SM4 keys configured: set {KEYS_ENV} or {KEY_FILE_ENV} "
                             f"to {_EXAMPLE}")

    @staticmethod
    def configured(environ: Mapping[str, str] | None = None) -> bool:
        """Whether either setting is present (valid or not)."""
        env = os.environ if environ is None else environ
        return bool(env.get(KEYS_ENV, "").strip() or env.get(KEY_FILE_ENV, "").strip())


def is_encrypted(value: object) -> bool:
    """Whether a stored value is an SM4 token (by its shape; decrypting is what proves it genuine)."""
    return isinstance(value, str) and _TOKEN.match(value) is not None


def _associated_data(layer: str, field: str, key_id: str) -> bytes:
    return json.dumps(["onemap.field.v1", layer, field, key_id], ensure_ascii=False).encode("utf-8")


class FieldCipher:
    """Encrypts and decrypts field values of a layer with the key ring's SM4 keys."""

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring

    @staticmethod
    def is_encrypted(value: object) -> bool:
        return is_encrypted(value)

    def encrypt(self, text: str, *, layer: str, field: str) -> str:
        """A token for `text` under the active key, bound to `layer` and `field`."""
        key_id = self.keyring.active_id
        nonce = secrets.token_bytes(NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(self.keyring.key(key_id)), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(_associated_data(layer, field, key_id))
        ciphertext = encryptor.update(text.encode("utf-8")) + encryptor.finalize()
        blob = base64.b64encode(nonce + ciphertext + encryptor.tag).decode("ascii")
        return f"{PREFIX}:{key_id}:{blob}"

    def decrypt(self, token: str, *, layer: str, field: str) -> str:
        """The text a token holds; DecryptionError if it is malformed, altered, under an unknown key, or was
        made for another layer or field."""
        key_id, blob = _parse(token)
        key = self.keyring.key(key_id)
        nonce, ciphertext, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(_associated_data(layer, field, key_id))
        try:
            plain = decryptor.update(ciphertext) + decryptor.finalize()
        except InvalidTag:
            raise DecryptionError(
                f"加密字段校验失败（已被篡改或不属于此字段）/ the encrypted value of {layer}.{field} failed "
                "authentication: it was altered, or it belongs to another field or layer") from None
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:  # authenticated, so only a value encrypted outside FieldCipher gets here
            raise DecryptionError(f"加密字段内容不是 UTF-8 文本 / the decrypted value of {layer}.{field} is not "
                                  "UTF-8 text") from None

    def rewrap(self, token: str, *, layer: str, field: str) -> str:
        """The same value under the active key (a token already under it is returned unchanged)."""
        key_id, _ = _parse(token)
        if key_id == self.keyring.active_id:
            self.decrypt(token, layer=layer, field=field)  # still refuse a tampered token
            return token
        return self.encrypt(self.decrypt(token, layer=layer, field=field), layer=layer, field=field)


def _parse(token: str) -> tuple[str, bytes]:
    match = _TOKEN.match(token) if isinstance(token, str) else None
    if match is None:
        raise DecryptionError(f"不是有效的 SM4 加密值 / not an SM4 token (expected '{PREFIX}:<key id>:<base64>')")
    try:
        blob = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("SM4 加密值的 base64 部分已损坏 / the base64 part of the SM4 token is corrupted") \
            from None
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("SM4 加密值过短（已被截断）/ the SM4 token is too short: it was truncated")
    return match.group(1), blob
