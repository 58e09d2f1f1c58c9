"""Entity tags of features and the conditional-request rules (If-Match → 412, If-None-Match → 304)."""

from __future__ import annotations

from fastapi import Request

from gis_server.problems import ApiProblem


def feature_etag(fid: int, version: int) -> str:
    return f'"{fid}.{version}"'


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def expected_version(request: Request, fid: int) -> int | None:
    """The version an `If-Match` header pins, None when absent or `*`; malformed → 400."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    versions = set()
    for tag in _tags(header):
        body = tag.strip('"')
        prefix, _, version = body.partition(".")
        if prefix != str(fid) or not version.isdigit():
            # A tag that names another feature or another scheme can never match this one.
            continue
        versions.add(int(version))
    if not versions:
        raise ApiProblem(412, "版本已变化 / Precondition failed",
                         "If-Match 与该要素的当前版本不符 / If-Match does not match the feature's current entity tag")
    if len(versions) > 1:
        raise ApiProblem(400, "请求头无效 / Invalid header", "If-Match 只能给出一个版本 / give one entity tag",
                         parameter="If-Match")
    return versions.pop()


def not_modified(request: Request, etag: str) -> bool:
    return matches_none_match(request.headers.get("if-none-match"), etag)


def matches_none_match(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match header value names `etag` (or is `*`)."""
    if header is None:
        return False
    return header.strip() == "*" or etag in _tags(header)
