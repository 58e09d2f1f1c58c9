"""Sample oversize-transport permit applications (`per_oversize_applications`): 300, with histories.

Each application's serial is the last four digits of its number (`DJ<adcode><yyyymmdd><serial>`,
1…300). Its line is its itinerary along the stored roads (one to three legs joined where routes
cross), `route_codes` lists the legs. States: 190 approved, 22 rejected, 16 withdrawn, and 72
open (14 submitted, 14 accepted, 24 in route check, 20 awaiting decision), about one in five of
the open ones overdue now and about one in six of the finished ones late at some step.

Deliberate cases, for the route-check and duplicate rules (by serial):

- `OVERWEIGHT` (10): gross weight 8–60 t above the lowest load limit of the bridges on their
  legs (bridge route code = leg route code, stake within the leg);
- `OVERHEIGHT` (5): 0.2–0.8 m taller than the lowest clearance of the bridges on their legs;
- `CLOSURE_CONFLICTS` (6): one leg through an expressway closure being handled now (on time,
  expected to reopen after `now`), valid from today: the closure overlaps in space and time;
- `DUPLICATES` (10 pairs, later → earlier): same applicant, plate and itinerary, validity inside
  the earlier application's; the earlier one approved within the last two days or awaiting
  decision, the later one open;
- `REPEAT_TRIPS` (5 pairs, later → earlier): same applicant and plate as an application approved
  two to four months ago, applied for after the earlier permit ran out — not duplicates.

Everything else holds: every application except the overweight ones is at least 0.5 t under the
lowest load limit, and every one except the overheight ones at least 0.1 m under the lowest
clearance, of all bridges it meets (on its legs by stake, or within ~50 m of its line); none but
the closure conflicts meets a closure or road-works event while valid (an event with no end time
counting as lasting); no two applications share a plate except the pairs above. Check results
are left to the rules: `check_status` is `unchecked`, `check_summary` and `duplicate_of` empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from domains.base.geography import prefecture
from domains.base.measure import rng
from domains.base.sample_network import adcode_at, nearest_place
from domains.framework.sample_items import Step, WorkflowItem, account, attachments, build_item, lay_out
from domains.permits.itineraries import Itinerary, draw_itinerary, itinerary_through
from domains.permits.sample_closures import Closure, active_closures, conflicts
from domains.permits.vehicles import Vehicle, applicants, draw_vehicle, plates
from layers.model import LayerDefinition
from layers.validation import CHINA_TZ, china_day

APPLICATION_COUNT = 300
STATE_COUNTS = {"approved": 190, "rejected": 22, "withdrawn": 16, "submitted": 14, "accepted": 14,
                "route_check": 24, "approval": 20}
OVERWEIGHT = (4, 30, 58, 89, 122, 151, 177, 204, 242, 271)
OVERHEIGHT = (17, 100, 138, 223, 290)
CLOSURE_CONFLICTS = (45, 112, 160, 199, 250, 283)
DUPLICATES = {12: 9, 52: 47, 76: 70, 109: 105, 145: 141, 186: 180, 215: 211, 259: 252, 277: 273, 298: 294}
REPEAT_TRIPS = {35: 21, 128: 116, 171: 166, 232: 226, 265: 261}

FULL_PATH = ("accept", "send_to_check", "finish_check", "approve")
OPEN_PATHS = {"submitted": (), "accepted": ("accept",), "route_check": ("accept", "send_to_check"),
              "approval": ("accept", "send_to_check", "finish_check")}
REJECTIONS = ("申请材料与车辆行驶证信息不符 / documents do not match the vehicle licence",
              "未按规定提供护送方案 / no escort plan provided",
              "经路线核查不具备通行条件 / the route cannot carry the load")
OPEN = frozenset(OPEN_PATHS)


@dataclass(frozen=True, slots=True)
class Profile:
    final_state: str
    overdue: bool
    late: bool
    legs: int


@dataclass(frozen=True, slots=True)
class Application:
    serial: int
    item: WorkflowItem
    itinerary: Itinerary
    vehicle: Vehicle
    valid_from: date
    valid_to: date


def plan() -> dict[int, Profile]:
    """The profile of every application by serial: categories get the states they need."""
    forced: dict[int, str] = {}
    for n, serial in enumerate(OVERWEIGHT + OVERHEIGHT):
        forced[serial] = ("route_check", "approval", "rejected", "accepted", "submitted")[n % 5]
    for n, serial in enumerate(CLOSURE_CONFLICTS):
        forced[serial] = ("route_check", "approval", "accepted")[n % 3]
    for n, (later, earlier) in enumerate(DUPLICATES.items()):
        forced[later] = ("submitted", "accepted", "route_check")[n % 3]
        forced[earlier] = "approved" if n < 6 else "approval"
    for n, (later, earlier) in enumerate(REPEAT_TRIPS.items()):
        forced[later] = ("approved", "approved", "approved", "route_check", "submitted")[n]
        forced[earlier] = "approved"
    remaining = dict(STATE_COUNTS)
    for state in forced.values():
        remaining[state] -= 1
    pool = [state for state, count in remaining.items() for _ in range(count)]
    draw = rng("permits", "plan")
    pool = [pool[i] for i in draw.permutation(len(pool))]
    calm = set(CLOSURE_CONFLICTS) | set(DUPLICATES) | set(DUPLICATES.values())
    profiles = {}
    for serial in range(1, APPLICATION_COUNT + 1):
        state = forced.get(serial) or pool.pop()
        overdue = state in OPEN and serial not in calm and bool(draw.random() < 0.25)
        late = state not in OPEN and bool(draw.random() < 0.15)
        legs = int(draw.choice([1, 2, 3], p=[0.55, 0.35, 0.1]))
        profiles[serial] = Profile(state, overdue, late, legs)
    return profiles


def generate_applications(layer: LayerDefinition, now: datetime, closures: Sequence[Closure]) -> list[Application]:
    profiles = plan()
    conflict_closures = active_closures(closures, now)
    built: dict[int, Application] = {}
    for serial in range(1, APPLICATION_COUNT + 1):
        built[serial] = _application(layer, serial, profiles[serial], now, closures, conflict_closures, built)
    return [built[s] for s in sorted(built)]


def _path(draw: np.random.Generator, state: str) -> tuple[str, ...]:
    if state == "approved":
        return FULL_PATH
    if state == "rejected":
        return ("accept", "send_to_check", "reject") if draw.random() < 0.5 else (*FULL_PATH[:3], "reject")
    if state == "withdrawn":
        return (*FULL_PATH[:int(draw.integers(0, 4))], "withdraw")
    return OPEN_PATHS[state]


def _ended_hours(draw: np.random.Generator, serial: int) -> float:
    if serial in DUPLICATES.values():
        return float(draw.uniform(12, 48))
    if serial in REPEAT_TRIPS.values():
        return float(draw.uniform(60 * 24, 110 * 24))
    if serial in REPEAT_TRIPS:
        return float(draw.uniform(6, 20 * 24))
    return float(draw.uniform(6, 120 * 24))


def _times(layer: LayerDefinition, draw: np.random.Generator, serial: int, profile: Profile, path: Sequence[str],
           now: datetime, built: dict[int, Application]) -> list[datetime]:
    late = {int(draw.integers(0, len(path)))} if profile.late and path else set()
    earliest = None
    if serial in DUPLICATES:  # a duplicate comes after the application it repeats
        earliest = built[DUPLICATES[serial]].item.history[0].at + timedelta(hours=1)
    if serial in REPEAT_TRIPS:  # a repeat trip is applied for after the earlier trip's permit ran out
        earlier = built[REPEAT_TRIPS[serial]]
        earliest = datetime.combine(earlier.valid_to + timedelta(days=1), time(0), CHINA_TZ)
    for _ in range(100):
        times = lay_out(layer, path, draw=draw, now=now, late=late, overdue=profile.overdue,
                        ended_hours_ago=_ended_hours(draw, serial) if profile.final_state not in OPEN else 0.0)
        if earliest is None or times[0] >= earliest:
            return times
    raise RuntimeError(f"permit sample {serial}: no timeline after its original")  # pragma: no cover


def _validity(draw: np.random.Generator, serial: int, profile: Profile, times: Sequence[datetime], now: datetime,
              built: dict[int, Application]) -> tuple[date, date]:
    today = china_day(now)
    if serial in DUPLICATES:
        earlier = built[DUPLICATES[serial]]
        span = (earlier.valid_to - earlier.valid_from).days
        start = earlier.valid_from + timedelta(days=int(draw.integers(0, min(2, span) + 1)))
        return start, earlier.valid_to
    if serial in CLOSURE_CONFLICTS:
        return today, today + timedelta(days=int(draw.integers(3, 8)))
    if serial in DUPLICATES.values():
        start = today + timedelta(days=int(draw.integers(1, 5)))
        return start, start + timedelta(days=int(draw.integers(4, 13)))
    start = china_day(times[0]) + timedelta(days=int(draw.integers(3, 11)))
    if profile.final_state == "approved":
        start = max(start, china_day(times[-1]))
    if profile.final_state in OPEN:
        start = max(start, today + timedelta(days=1))
    return start, start + timedelta(days=int(draw.integers(2, 15)))


def _itinerary(draw: np.random.Generator, serial: int, profile: Profile, valid: tuple[date, date],
               closures: Sequence[Closure], conflict_closures: Sequence[Closure]) -> Itinerary:
    if serial in CLOSURE_CONFLICTS:
        for closure in conflict_closures[CLOSURE_CONFLICTS.index(serial):]:
            found = itinerary_through(draw, closure.route_code, closure.low_m, closure.high_m)
            if found is not None:
                return found
        raise RuntimeError("not enough active closures for the conflict samples")
    failing = serial in OVERWEIGHT or serial in OVERHEIGHT
    for _ in range(300):
        candidate = draw_itinerary(draw, profile.legs)
        if failing and not candidate.bridges_by_stake():
            continue
        if not conflicts(candidate, *valid, closures):
            return candidate
    raise RuntimeError(f"permit sample {serial}: no itinerary clear of closures")  # pragma: no cover


def _vehicle(draw: np.random.Generator, serial: int, itinerary: Itinerary, built: dict[int, Application]) -> Vehicle:
    if serial in DUPLICATES:
        return built[DUPLICATES[serial]].vehicle
    if serial in REPEAT_TRIPS:
        earlier = built[REPEAT_TRIPS[serial]].vehicle
        plate, applicant = (earlier.plate, earlier.trailer_plate), earlier.applicant_code
    else:
        plate = plates(APPLICATION_COUNT)[serial - 1]
        applicant = applicants()[int(draw.integers(len(applicants())))]
    passed, on_legs = itinerary.bridges_passed(), itinerary.bridges_by_stake()
    load_limit = min((b.load_limit_t for b in passed), default=100.0)
    clearance = min((b.clearance_m for b in passed), default=5.5)
    if serial in OVERWEIGHT:
        return draw_vehicle(draw, plate, applicant, load_limit_t=min(b.load_limit_t for b in on_legs),
                            clearance_m=clearance, overweight_by=float(draw.uniform(8, 60)))
    if serial in OVERHEIGHT:
        lowest = min(b.clearance_m for b in on_legs)
        return draw_vehicle(draw, plate, applicant, load_limit_t=load_limit, clearance_m=lowest,
                            overheight_by=float(draw.uniform(0.2, 0.8)))
    return draw_vehicle(draw, plate, applicant, load_limit_t=load_limit, clearance_m=clearance)


def _application(layer: LayerDefinition, serial: int, profile: Profile, now: datetime, closures: Sequence[Closure],
                 conflict_closures: Sequence[Closure], built: dict[int, Application]) -> Application:
    draw = rng("permits", "application", str(serial))
    path = _path(draw, profile.final_state)
    times = _times(layer, draw, serial, profile, path, now, built)
    valid_from, valid_to = _validity(draw, serial, profile, times, now, built)
    if serial in DUPLICATES:
        itinerary = built[DUPLICATES[serial]].itinerary
    else:
        itinerary = _itinerary(draw, serial, profile, (valid_from, valid_to), closures, conflict_closures)
    vehicle = _vehicle(draw, serial, itinerary, built)
    adcode = adcode_at(*itinerary.start)
    application_no = f"DJ{adcode}{china_day(times[0]):%Y%m%d}{serial:04d}"
    properties = {
        "application_no": application_no, "applicant_code": vehicle.applicant_code, "plate": vehicle.plate,
        "trailer_plate": vehicle.trailer_plate, "cargo_zh": vehicle.cargo_zh, "axles": vehicle.axles,
        "gross_weight_t": vehicle.gross_weight_t, "height_m": vehicle.height_m, "width_m": vehicle.width_m,
        "length_m": vehicle.length_m, "valid_from": valid_from, "valid_to": valid_to,
        "origin_zh": nearest_place(*itinerary.start)[0], "destination_zh": nearest_place(*itinerary.end)[0],
        "route_codes": itinerary.route_codes, "route_length_km": round(itinerary.length_m / 1000, 1),
        "check_status": "unchecked", "check_summary": None, "duplicate_of": None, "permit_no": None,
        "submitted_at": times[0], "adcode": adcode,
    }
    steps = _steps(draw, serial, path, times, adcode, application_no, vehicle.applicant_code)
    item = build_item(layer, itinerary.line, properties, steps, now)
    return Application(serial, item, itinerary, vehicle, valid_from, valid_to)


def _steps(draw: np.random.Generator, serial: int, path: Sequence[str], times: Sequence[datetime], adcode: str,
           application_no: str, applicant: str) -> list[Step]:
    office = f"{prefecture(adcode).name_zh}交通运输局"

    def staff(role: str, count: int) -> tuple[str, str]:
        return account(role, adcode, int(draw.integers(1, count + 1))), office

    steps = [Step(times[0], *staff("permit_officer", 3), comment="吉事办网上申请 / online application via 吉事办")]
    for transition, at in zip(path, times[1:], strict=True):
        if transition in ("accept", "send_to_check"):
            steps.append(Step(at, *staff("permit_officer", 3), transition))
        elif transition == "finish_check":
            steps.append(Step(at, *staff("route_inspector", 2), transition,
                              values=attachments(application_no, "route_check_report")))
        elif transition == "approve":
            steps.append(Step(at, *staff("permit_approver", 1), transition,
                              values={"permit_no": f"吉超限许〔{china_day(at).year}〕{serial:04d}号"}))
        elif transition == "reject":
            steps.append(Step(at, *staff("permit_approver", 1), transition, str(draw.choice(REJECTIONS))))
        else:  # withdraw
            steps.append(Step(at, account("applicant", applicant, 1), applicant, transition,
                              "运输计划取消 / transport cancelled"))
    return steps
