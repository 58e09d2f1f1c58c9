"""SM4 encryption of a layer's secret fields (`FieldSpec.secret`) on their way into a store and out.

`FieldSecrets` is what both stores hold: their write methods pass records, transitions, items and
partitions through it (every value of a secret field becomes an `sm4gcm:` token bound to its layer
and field, so neither a `pg_dump` nor the GeoPackage file holds the plaintext), and their read methods
pass what they read back (`get`, `iter_records`, `query` pages) for the secret fields present in the
definition they were given — a caller's view without the field never gets it decrypted because it
never selects it. A secret field that the view marks `masked` is read unmasked, decrypted, then masked
(masking a token would show pieces of ciphertext).

Secret values never enter the workflow history: `onemap_history` is append-only, so a token there could
never be re-encrypted under a new key; a step that set a secret field records `SECRET_IN_HISTORY`.
A value that is not a token (written before the field was marked secret) is read as it is;
`onemap secrets rotate` encrypts such values and moves tokens to the active key.

Keys (`sm4.KeyRing`): `ONEMAP_SM4_KEYS` or `ONEMAP_SM4_KEY_FILE`; without either, an embedded store uses
a local key file beside its GeoPackage, created on first use (mode 0600), and PostGIS refuses with
`KeyConfigError`. The key ring is resolved only when a secret value is written or a token read.
May import: layers.model, layers.query, layers.errors, layers.access.masking, layers.stores.base and
layers.stores.history (data classes only), this package.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from layers.access.masking import mask_value
from layers.access.rules import SensitiveKind
from layers.errors import InvalidQuery
from layers.model import FieldSpec, LayerDefinition
from layers.protect.errors import KeyConfigError
from layers.protect.sm4 import KEY_FILE_ENV, KEYS_ENV, FieldCipher, KeyRing, is_encrypted
from layers.query import FeaturePage, FeatureQuery, StoredFeature
from layers.stores.base import FeatureRecord, ItemWithHistory, PartitionChange
from layers.stores.history import GuardedTransition, HistoryRow

#: What a history step records for a secret field it set (the value itself stays out of the history).
SECRET_IN_HISTORY = "[secret]"
#: The local key file of an embedded store: `<gpkg stem>.sm4-keys.json` beside the GeoPackage.
LOCAL_KEY_SUFFIX = ".sm4-keys.json"
#: The key id of a generated local key.
LOCAL_KEY_ID = "local1"

_MEMO_LIMIT = 1024
_TOKEN_MARK = b'"sm4gcm:'


def secret_fields(layer: LayerDefinition) -> tuple[FieldSpec, ...]:
    return tuple(spec for spec in layer.fields if spec.secret)


def local_key_path(gpkg: Path) -> Path:
    return gpkg.with_name(gpkg.stem + LOCAL_KEY_SUFFIX)


def local_keyring(path: Path) -> KeyRing:
    """The key ring of a local key file, generated (one random key, mode 0600) if there is none yet.

    Created under a temporary name and linked into place, so processes starting together agree on
    one key."""
    if not path.exists():
        ring = {"active": LOCAL_KEY_ID, "keys": {LOCAL_KEY_ID: secrets.token_hex(16)}}
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(ring, handle)
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
        except OSError as exc:
            raise KeyConfigError(f"无法创建本地 SM4 密钥文件 / cannot create the local SM4 key file {str(path)!r}: "
                                 f"{exc.strerror or exc}") from None
        finally:
            temporary.unlink(missing_ok=True)
    return KeyRing.from_file(path)


class FieldSecrets:
    """Encrypts a store's secret field values on write and decrypts them on read.

    `local_key_file`: where an embedded store keeps its generated key when no key is configured
    (None: a key must be configured)."""

    def __init__(self, *, local_key_file: Path | None = None) -> None:
        self.local_key_file = local_key_file
        self._cipher: tuple[tuple[Any, ...], FieldCipher] | None = None
        self._unmasked: dict[int, tuple[LayerDefinition, LayerDefinition]] = {}

    # -- keys -------------------------------------------------------------------------------
    def cipher(self) -> FieldCipher:
        """The cipher of the configured key ring (re-read when the configuration or key file changes)."""
        inline, path = os.environ.get(KEYS_ENV, "").strip(), os.environ.get(KEY_FILE_ENV, "").strip()
        if inline or path:
            source: Path | None = Path(path) if path and not inline else None
        elif self.local_key_file is not None:
            source = self.local_key_file
            if not source.exists():
                local_keyring(source)
        else:
            raise KeyConfigError(
                f"未配置 SM4 密钥，无法读写加密字段 / no SM4 keys configured: fields marked secret cannot be "
                f"written or read on this store; set {KEYS_ENV} or {KEY_FILE_ENV} (docs/security.md, "
                "\"Field encryption\")")
        stamp = _stamp(source)
        key = (inline, path, str(source), stamp)
        cached = self._cipher
        if cached is not None and cached[0] == key:
            return cached[1]
        ring = KeyRing.from_file(source) if source is not None else KeyRing.from_env()
        cipher = FieldCipher(ring)
        self._cipher = (key, cipher)
        return cipher

    # -- writes -----------------------------------------------------------------------------
    def values(self, layer: LayerDefinition, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` with every secret field's non-null value encrypted."""
        result = dict(values)
        for spec in secret_fields(layer):
            value = result.get(spec.name)
            if value is not None:
                result[spec.name] = self.cipher().encrypt(str(value), layer=layer.id, field=spec.name)
        return result

    def record(self, layer: LayerDefinition, record: FeatureRecord) -> FeatureRecord:
        if not secret_fields(layer):
            return record
        return dataclasses.replace(record, properties=self.values(layer, record.properties))

    def records(self, layer: LayerDefinition, records: Iterable[FeatureRecord]) -> Iterable[FeatureRecord]:
        """The records with their secret values encrypted, lazily (bulk imports keep streaming)."""
        if not secret_fields(layer):
            return records
        return (dataclasses.replace(record, properties=self.values(layer, record.properties)) for record in records)

    def history_row(self, layer: LayerDefinition, row: HistoryRow) -> HistoryRow:
        names = [spec.name for spec in secret_fields(layer) if row.values.get(spec.name) is not None]
        if not names:
            return row
        return dataclasses.replace(row, values={**row.values, **dict.fromkeys(names, SECRET_IN_HISTORY)})

    def transition(self, layer: LayerDefinition, change: GuardedTransition) -> GuardedTransition:
        if not secret_fields(layer):
            return change
        return dataclasses.replace(change, properties=self.values(layer, change.properties),
                                   history=self.history_row(layer, change.history))

    def items(self, layer: LayerDefinition, items: Iterable[ItemWithHistory]) -> Iterable[ItemWithHistory]:
        if not secret_fields(layer):
            return items
        return [(self.record(layer, record), [self.history_row(layer, step) for step in steps])
                for record, steps in items]

    def partitions(self, changes: Sequence[PartitionChange]) -> list[PartitionChange]:
        result = []
        for change in changes:
            spec = change.layer.field(change.field)
            if spec is not None and spec.secret:
                raise InvalidQuery(f"加密字段 {change.field} 不能作为分区字段 / the secret field {change.field!r} of "
                                   f"{change.layer.id!r} cannot be a partition key", parameter="field")
            if secret_fields(change.layer):
                change = dataclasses.replace(change, records=list(self.records(change.layer, change.records)))
            result.append(change)
        return result

    # -- reads ------------------------------------------------------------------------------
    def check_query(self, layer: LayerDefinition, query: FeatureQuery) -> None:
        """A filter or sort on a secret field cannot work on ciphertext: refuse it plainly."""
        names = {spec.name for spec in secret_fields(layer)}
        if not names:
            return
        used = {name for name, _ in query.equals} | {key.field for key in query.sortby}
        used |= set(_cql_properties(query.cql))
        hit = sorted(used & names)
        if hit:
            raise InvalidQuery(f"加密字段 {hit[0]} 不能用于筛选或排序 / the secret field {hit[0]!r} cannot be "
                               "filtered or sorted on", parameter=hit[0])

    def reading(self, layer: LayerDefinition) -> LayerDefinition:
        """The definition a store reads with: `layer` with its masked secret fields unmasked (they are
        masked here after decryption)."""
        if not any(spec.secret and spec.masked for spec in layer.fields):
            return layer
        known = self._unmasked.get(id(layer))
        if known is not None and known[0] is layer:
            return known[1]
        fields = tuple(spec.model_copy(update={"masked": False}) if spec.secret and spec.masked else spec
                       for spec in layer.fields)
        unmasked = layer.model_copy(update={"fields": fields})
        if len(self._unmasked) >= _MEMO_LIMIT:
            self._unmasked.clear()
        self._unmasked[id(layer)] = (layer, unmasked)  # holding the layer keeps id(layer) unique
        return unmasked

    def _plain(self, layer: LayerDefinition, spec: FieldSpec, value: Any) -> Any:
        if is_encrypted(value):
            value = self.cipher().decrypt(value, layer=layer.id, field=spec.name)
        if spec.masked:
            value = mask_value(value, spec.sensitive or SensitiveKind.OTHER)
        return value

    def properties(self, layer: LayerDefinition, properties: dict[str, Any]) -> dict[str, Any]:
        specs = [spec for spec in secret_fields(layer) if properties.get(spec.name) is not None]
        if not specs:
            return properties
        result = dict(properties)
        for spec in specs:
            result[spec.name] = self._plain(layer, spec, result[spec.name])
        return result

    def feature(self, layer: LayerDefinition, feature: StoredFeature) -> StoredFeature:
        if not secret_fields(layer):
            return feature
        return dataclasses.replace(feature, properties=self.properties(layer, feature.properties))

    def batches(self, layer: LayerDefinition, batches: Iterator[list[StoredFeature]]) -> Iterator[list[StoredFeature]]:
        if not secret_fields(layer):
            yield from batches
            return
        for batch in batches:
            yield [self.feature(layer, feature) for feature in batch]

    def page(self, layer: LayerDefinition, page: FeaturePage) -> FeaturePage:
        """A page with the secret fields of `layer` decrypted (and masked where the view says)."""
        specs = secret_fields(layer)
        if not specs:
            return page
        if _TOKEN_MARK not in page.features_json and not any(spec.masked for spec in specs):
            return page
        features = orjson.loads(page.features_json)
        for feature in features:
            properties = feature.get("properties")
            if isinstance(properties, dict):
                feature["properties"] = self.properties(layer, properties)
        return dataclasses.replace(page, features_json=orjson.dumps(features))


def _stamp(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)


def _cql_properties(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        name = node.get("property")
        if isinstance(name, str):
            yield name
        for value in node.values():
            yield from _cql_properties(value)
    elif isinstance(node, list):
        for value in node:
            yield from _cql_properties(value)
