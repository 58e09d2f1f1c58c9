"""Stake notation (桩号): K<km>+<mmm> with optional decimals, with or without the route code."""

from __future__ import annotations

import pytest

from domains.base.linear_ref import (
    MalformedReference,
    format_reference,
    format_stake,
    normalise_route,
    parse_reference,
    parse_stake,
)


@pytest.mark.parametrize(("text", "metres"), [
    ("K1023+500", 1_023_500.0), ("k1023+500.5", 1_023_500.5), ("K0+000", 0.0), ("K 12 + 007", 12_007.0),
    ("K830+999.25", 830_999.25),
])
def test_stakes_parse_to_metres(text: str, metres: float) -> None:
    assert parse_stake(text) == metres


@pytest.mark.parametrize(("text", "route", "metres"), [
    ("G12 K1023+500", "G12", 1_023_500.0), ("g12k1023+500", "G12", 1_023_500.0),
    (" S206  K3+020.5 ", "S206", 3_020.5), ("G2501 k0+100", "G2501", 100.0),
])
def test_references_parse_to_route_and_metres(text: str, route: str, metres: float) -> None:
    assert parse_reference(text) == (route, metres)


@pytest.mark.parametrize("text", ["1023+500", "K1023", "K1023+50", "K1023+5000", "K-1+000", "Kabc+000", "K1+000m",
                                  "", "K1023+500.", "K1023+.5"])
def test_malformed_stakes_are_refused_naming_the_expected_form(text: str) -> None:
    with pytest.raises(MalformedReference, match="K1023\\+500") as caught:
        parse_stake(text)
    assert caught.value.parameter == "stake"


@pytest.mark.parametrize("text", ["K1023+500", "12 K1+000", "G K1+000", "GG12 K1+000", "G12 X1+000", "G12"])
def test_malformed_references_are_refused(text: str) -> None:
    with pytest.raises(MalformedReference):
        parse_reference(text)


def test_route_codes_are_upper_cased_and_checked() -> None:
    assert normalise_route(" g1 ") == "G1"
    with pytest.raises(MalformedReference, match="route code"):
        normalise_route("G-12")


@pytest.mark.parametrize(("metres", "decimals", "text"), [
    (1_023_500, 0, "K1023+500"), (7, 0, "K0+007"), (1_023_500.46, 1, "K1023+500.5"), (999.96, 0, "K1+000"),
    (999.96, 1, "K1+000.0"), (830_000.4, 0, "K830+000"), (12_345.678, 2, "K12+345.68"),
])
def test_stakes_format_as_kilometres_plus_metres(metres: float, decimals: int, text: str) -> None:
    assert format_stake(metres, decimals) == text


def test_formatted_references_parse_back() -> None:
    for metres in (0, 1, 999, 1000, 803_017, 1_023_500):
        assert parse_reference(format_reference("G1", metres)) == ("G1", float(metres))
