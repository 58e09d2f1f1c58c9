"""What a layer declares about who sees what: sensitive and secret fields, row-level regions."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class SensitiveKind(StrEnum):
    """Kinds of personal data (个人信息) and how each is masked for callers without the right."""

    ID_NUMBER = "id_number"  # 身份证号: 220102********1234 (first 6, last 4)
    PHONE = "phone"  # 手机号: 138****5678 (first 3, last 4)
    PERSON_NAME = "person_name"  # 姓名: 张** (first character)
    PLATE = "plate"  # 车牌号: 吉A***45 (first 2, last 2)
    OTHER = "other"  # anything else: every character but the last 2 starred


class AccessRules(BaseModel):
    """A layer's access rules beyond its read/write roles (docs/security.md, "Access")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Open to anonymous callers even where anonymous access is off by default (PostGIS mode):
    #: navigation notices and other layers published to everyone.
    public: bool = False
    #: Row-level rule by attribute: the field holding the item's administrative division code
    #: (GB/T 2260); a prefecture's staff see the rows whose code lies in their prefecture.
    region_field: str | None = None
    #: Row-level rule by area: a regional caller sees the rows whose geometry meets their region's
    #: boundary (from the base layer `prefectures`).
    region_by_area: bool = False
    #: Roles that see sensitive fields in clear (everyone else reads them masked).
    unmask_roles: tuple[str, ...] = ()
    #: Roles that read secret (SM4-encrypted) fields; for everyone else those fields do not exist.
    secret_roles: tuple[str, ...] = ()
    #: Roles whose callers see every row whatever their region (province-wide supervisors).
    all_regions_roles: tuple[str, ...] = Field(default=())
