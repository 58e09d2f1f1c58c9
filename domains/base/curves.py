"""Plausible, deterministic paths through waypoints: a smooth spline plus seeded lateral meanders.

Works in projected metres. Between two waypoints the path follows a centripetal Catmull–Rom
spline (no loops, no overshoot at sharp turns) and is displaced sideways by a sine series that
vanishes at both waypoints, so every path passes exactly through its waypoints.
"""

from __future__ import annotations

import math

import numpy as np

Coords = np.ndarray


def _catmull_rom(p0: Coords, p1: Coords, p2: Coords, p3: Coords, n: int) -> Coords:
    """n+1 points of the centripetal Catmull–Rom segment from p1 to p2 (both included)."""

    def knot(t: float, a: Coords, b: Coords) -> float:
        return t + max(float(np.hypot(*(b - a))) ** 0.5, 1e-6)

    t0 = 0.0
    t1 = knot(t0, p0, p1)
    t2 = knot(t1, p1, p2)
    t3 = knot(t2, p2, p3)
    t = np.linspace(t1, t2, n + 1)[:, None]
    a1 = (t1 - t) / (t1 - t0) * p0 + (t - t0) / (t1 - t0) * p1
    a2 = (t2 - t) / (t2 - t1) * p1 + (t - t1) / (t2 - t1) * p2
    a3 = (t3 - t) / (t3 - t2) * p2 + (t - t2) / (t3 - t2) * p3
    b1 = (t2 - t) / (t2 - t0) * a1 + (t - t0) / (t2 - t0) * a2
    b2 = (t3 - t) / (t3 - t1) * a2 + (t - t1) / (t3 - t1) * a3
    return (t2 - t) / (t2 - t1) * b1 + (t - t1) / (t2 - t1) * b2


def _controls(points: Coords, closed: bool) -> list[tuple[Coords, Coords, Coords, Coords]]:
    n = len(points)
    if closed:
        return [(points[(i - 1) % n], points[i], points[(i + 1) % n], points[(i + 2) % n])
                for i in range(n)]
    ext = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    return [(ext[i], ext[i + 1], ext[i + 2], ext[i + 3]) for i in range(n - 1)]


def _displace(leg: Coords, offsets: Coords) -> Coords:
    tangent = np.gradient(leg, axis=0)
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    norm[norm == 0] = 1.0
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) / norm[:, None]
    return leg + normal * offsets[:, None]


def meander(
    waypoints: Coords,
    rng: np.random.Generator,
    *,
    amplitude: float,
    spacing: float,
    smooth: bool = True,
    closed: bool = False,
    max_harmonics: int = 40,
) -> Coords:
    """A path through `waypoints` (metres): vertices every ~`spacing` m, lateral noise of
    relative size `amplitude` (fraction of each leg's length). Closed paths end at their start."""
    points = np.asarray(waypoints, dtype=float)
    if len(points) < 2:
        raise ValueError("a path needs at least two waypoints")
    parts: list[Coords] = []
    for p0, p1, p2, p3 in _controls(points, closed):
        length = float(np.hypot(*(p2 - p1)))
        n = max(8, math.ceil(length / spacing))
        if smooth:
            leg = _catmull_rom(p0, p1, p2, p3, n)
        else:
            leg = p1 + np.linspace(0.0, 1.0, n + 1)[:, None] * (p2 - p1)
        chord = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(leg, axis=0).T))])
        u = chord / chord[-1] if chord[-1] > 0 else np.linspace(0.0, 1.0, len(leg))
        harmonics = min(max(3, int(length / 3000.0)), max_harmonics)
        k = np.arange(1, harmonics + 1)
        weights = rng.normal(0.0, amplitude * length, size=harmonics) / k**1.5
        # the sin(πu) taper makes the offset's slope vanish at the waypoints too: no kinks
        offsets = np.sin(np.pi * u) * (np.sin(np.pi * np.outer(u, k)) @ weights)
        parts.append(_displace(leg, offsets)[:-1])
    parts.append(points[:1] if closed else points[-1:])
    return np.vstack(parts)
