"""Editing a screen's layout: applied when no customer of a coming show loses a seat; refused,
naming the seats, when one would; seats of past shows never stand in the way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookmyseat.models import utcnow
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.availability import seat_map
from bookmyseat.services.staff import audit, layout_editing, scheduling
from bookmyseat.services.staff.catalog_management import ManagementError
from tests.conftest import SMALL_LAYOUT, World


def screen_of(world: World) -> int:
    from bookmyseat.db import read_session
    from bookmyseat.models import Showtime

    with read_session(world.engine) as session:
        return session.get(Showtime, world.showtime_id).screen_id


def layout(**changes: str) -> list[dict]:
    """SMALL_LAYOUT with some rows' cells or category changed (`C="Recliner:SSS_SS"`)."""
    rows = []
    for row in SMALL_LAYOUT:
        row = dict(row)
        if row.get("label") in changes:
            category, _, cells = changes[row["label"]].rpartition(":")
            row["cells"] = cells
            row["category"] = category or row["category"]
        rows.append(row)
    return rows


def labels(world: World) -> dict[str, str]:
    return {s.label: s.category for s in seat_map(world.showtime_id, engine=world.engine)}


def test_the_editor_gets_the_screens_layout_as_text_and_back(world: World, boss) -> None:
    rows = layout_editing.layout_rows(boss, screen_of(world), engine=world.engine)
    text = scheduling.rows_to_text(rows)
    assert text.splitlines()[:3] == ["A Classic SSX_SS", "B Classic WSS_SS", "-"]
    assert scheduling.rows_from_text(text) == rows == SMALL_LAYOUT


def test_a_free_layout_change_is_applied_to_the_screen(world: World, boss: Account) -> None:
    change = layout_editing.change_layout(
        boss, screen_of(world), layout(A="SSS_SSS", C="Recliner:SSS_SS"),
        {"Recliner": 50000}, engine=world.engine,
    )  # fmt: skip
    assert (change.added, change.removed) == (1, 0)  # A6 is new; A3 no longer blocked
    seats = labels(world)
    assert "A6" in seats and seats["C1"] == "Recliner"
    assert world.hold(world.alice, "C1").lines[0].price_paise == 50000  # priced for the show
    world.hold(world.bob, "A3")  # unblocked
    entries, total = audit.entries(action="layout_changed", engine=world.engine)
    assert total == 1 and entries[0].actor == "boss"


def test_a_removed_seat_leaves_the_map_and_comes_back_the_same(world, boss) -> None:
    screen = screen_of(world)
    before = {s.label: s.id for s in seat_map(world.showtime_id, engine=world.engine)}
    layout_editing.change_layout(boss, screen, layout(B="WSS"), {}, engine=world.engine)
    assert "B4" not in labels(world) and "B5" not in labels(world)
    with pytest.raises(errors.SeatBlocked):
        world.hold(world.alice, "B4")  # a forged request for the removed seat
    layout_editing.change_layout(boss, screen, layout(), {}, engine=world.engine)
    after = {s.label: s.id for s in seat_map(world.showtime_id, engine=world.engine)}
    assert after == before


@pytest.mark.parametrize(
    ("change", "seat"),
    [
        ({"C": "SS"}, "C3"),  # gone (seats are numbered from the left: C3 to C5 are no more)
        ({"C": "Classic:SSS_SS"}, "C2"),  # another category
        ({"C": "SXS_SS"}, "C2"),  # blocked
        ({"C": "SWS_SS"}, "C2"),  # a wheelchair space now
    ],
)
def test_a_change_that_takes_a_coming_shows_seat_is_refused_naming_it(
    world, boss, change, seat
) -> None:
    world.pay(world.hold(world.alice, "C2", "C3"))
    world.hold(world.bob, "A1")
    with pytest.raises(ManagementError, match=rf"{seat} \(sold for \w+ \d\d \w+ \d\d:\d\d IST\)"):
        layout_editing.change_layout(boss, screen_of(world), layout(**change), {},
                                     engine=world.engine)  # fmt: skip
    assert labels(world)["C1"] == "Prime"  # nothing changed
    with pytest.raises(ManagementError, match=r"A1 \(held for"):
        layout_editing.change_layout(boss, screen_of(world), layout(A="XS_SS"), {},
                                     engine=world.engine)  # fmt: skip


def test_seats_of_past_shows_and_lapsed_holds_do_not_stand_in_the_way(world, boss) -> None:
    world.hold(world.alice, "C2", "C3", now=utcnow() - timedelta(hours=2))  # lapsed
    later = world.starts_at + timedelta(hours=3)  # the show is over
    world.pay(world.hold(world.bob, "A1", "A2"))
    layout_editing.change_layout(boss, screen_of(world), layout(A="X", C="S"), {},
                                 now=later, engine=world.engine)  # fmt: skip
    assert "A2" not in labels(world) and labels(world)["C1"] == "Prime"


def test_a_new_category_needs_a_price_and_bad_layouts_are_refused(world, boss) -> None:
    screen = screen_of(world)
    with pytest.raises(ManagementError, match="Give a price for Recliner seats: 1 coming"):
        layout_editing.change_layout(boss, screen, layout(C="Recliner:SSS_SS"), {},
                                     engine=world.engine)  # fmt: skip
    with pytest.raises(ManagementError, match="unknown cells"):
        layout_editing.change_layout(boss, screen, layout(C="SQS"), {}, engine=world.engine)
    assert labels(world)["C1"] == "Prime"
