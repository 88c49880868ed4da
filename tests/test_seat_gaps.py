"""The single-seat gap rule (services.booking.seat_gaps), by example and over random rows.

The property tests compare the rule with a model written the other way round: seat by seat,
"is this free seat left with no free neighbour, next to a chosen one?", and "could any choice
of as many seats in that stretch have avoided it?" (by trying them all). A rule that always
refuses fails the first property, one that never refuses fails the second.
"""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from bookmyseat.services.booking.seat_gaps import Place, stranded_seat


def row_of(cells: str, grid_row: int = 0) -> list[Place]:
    """A row from layout cells: S a seat, W a wheelchair space, _ an aisle (ids = columns)."""
    return [
        Place(id=col + 1 + 100 * grid_row, label=f"R{col + 1}", grid_row=grid_row, grid_col=col,
              wheelchair=cell == "W")
        for col, cell in enumerate(cells)
        if cell in "SW"
    ]  # fmt: skip


def ids(row: list[Place], *labels: str) -> set[int]:
    return {p.id for p in row if p.label in labels}


def test_a_seat_left_between_the_choice_and_a_taken_seat_is_named() -> None:
    row = row_of("SSSSSS")
    alone = stranded_seat(row, taken=ids(row, "R1"), chosen=ids(row, "R3", "R4"))
    assert alone is not None and alone.label == "R2"


def test_a_seat_left_at_the_rows_end_or_an_aisle_is_named() -> None:
    row = row_of("SSSS_SSSSS")
    assert stranded_seat(row, set(), ids(row, "R2", "R3")).label == "R1"  # the row's end
    assert stranded_seat(row, set(), ids(row, "R7", "R8")).label == "R6"  # the aisle


def test_choices_that_leave_two_or_none_are_fine() -> None:
    row = row_of("SSSSSS")
    assert stranded_seat(row, set(), ids(row, "R1", "R2")) is None
    assert stranded_seat(row, set(), ids(row, "R3", "R4")) is None  # two free each side
    assert stranded_seat(row, ids(row, "R1", "R2"), ids(row, "R3", "R4", "R5", "R6")) is None


def test_a_gap_inside_the_choice_is_named() -> None:
    row = row_of("SSSSSS")
    assert stranded_seat(row, set(), ids(row, "R1", "R3")).label == "R2"


def test_when_no_choice_could_avoid_it_the_seat_may_be_left() -> None:
    row = row_of("SSS_SSSS")
    assert stranded_seat(row, set(), ids(row, "R1", "R2")) is None  # 3 free, 2 wanted
    assert stranded_seat(row, set(), ids(row, "R2")).label == "R1"  # 3 free, 1 wanted: avoidable


def test_an_existing_lone_seat_is_not_this_choices_fault() -> None:
    row = row_of("SSSSSS")
    assert stranded_seat(row, ids(row, "R2"), ids(row, "R3", "R4")) is None  # R1 was alone already


def test_wheelchair_spaces_and_their_companion_seats_keep_their_own_rule() -> None:
    row = row_of("SSSWSS")  # R4 is a wheelchair space; R3 and R5 its companion seats
    assert stranded_seat(row, set(), ids(row, "R2")).label == "R1"
    # R3 left beside the free wheelchair space is kept for a companion, on purpose.
    assert stranded_seat(row, set(), ids(row, "R1", "R2")) is None
    # With one seat to spare the one left must be the companion seat, not R1.
    assert stranded_seat(row, set(), ids(row, "R2", "R3")).label == "R1"
    # A wheelchair space is never "stranded".
    assert stranded_seat(row, set(), ids(row, "R5", "R6")) is None
    # A wheelchair user and a companion take the space and the seat beside it: R3 is then no
    # one's companion seat, and R1 and R2 stay together.
    assert stranded_seat(row, set(), ids(row, "R3", "R4")) is None
    # With the space and a companion taken from a stretch of two, the one left cannot be helped.
    row = row_of("SSW")
    assert stranded_seat(row, set(), ids(row, "R2", "R3")) is None


def test_rows_are_judged_apart() -> None:
    front, back = row_of("SSSS", 0), row_of("SSSSS", 1)
    chosen = ids(front, "R1", "R2") | ids(back, "R2", "R3", "R4")
    assert stranded_seat(front + back, set(), chosen).id == back[0].id


# --- properties --------------------------------------------------------------------------------


@st.composite
def situations(draw):
    cells = draw(st.text(alphabet="SSSSW_", min_size=1, max_size=14))
    row = row_of(cells)
    taken = {p.id for p in row if draw(st.booleans()) and draw(st.booleans())}
    free = [p.id for p in row if p.id not in taken]
    chosen = set(draw(st.lists(st.sampled_from(free), unique=True))) if free else set()
    return row, taken, chosen


def stretch_of(row: list[Place], seat: Place, taken: set[int]) -> list[Place]:
    """The free ordinary seats side by side around `seat` (before the choice)."""
    by_col = {p.grid_col: p for p in row}

    def usable(col):
        p = by_col.get(col)
        return p is not None and p.id not in taken and not p.wheelchair

    left = right = seat.grid_col
    while usable(left - 1):
        left -= 1
    while usable(right + 1):
        right += 1
    return [by_col[c] for c in range(left, right + 1)]


def lonely(row: list[Place], seat: Place, taken: set[int], chosen: set[int]) -> bool:
    """The seat is free, not chosen, not a wheelchair space or beside one left free (taken nor
    chosen), and has no free neighbour left, at least one of them chosen."""
    by_col = {p.grid_col: p for p in row}
    if seat.id in taken or seat.id in chosen or seat.wheelchair:
        return False
    sides = [by_col.get(seat.grid_col - 1), by_col.get(seat.grid_col + 1)]
    if any(p is not None and p.wheelchair and p.id not in taken | chosen for p in sides):
        return False
    still_free = [p for p in sides if p and not p.wheelchair and p.id not in taken | chosen]
    return not still_free and any(p is not None and p.id in chosen for p in sides)


def avoidable(row: list[Place], seat: Place, taken: set[int], chosen: set[int]) -> bool:
    """Some choice of as many seats in the seat's stretch (the rest of the choice as it is)
    leaves nobody there lonely."""
    stretch = stretch_of(row, seat, taken)
    count = len({p.id for p in stretch} & chosen)
    elsewhere = chosen - {p.id for p in stretch}
    return any(
        not any(lonely(row, p, taken, set(other) | elsewhere) for p in stretch)
        for other in combinations([p.id for p in stretch], count)
    )


@settings(max_examples=400, deadline=None)
@given(situations())
def test_a_named_seat_is_really_left_alone_and_could_have_been_spared(situation) -> None:
    row, taken, chosen = situation
    alone = stranded_seat(row, taken, chosen)
    if alone is not None:
        assert lonely(row, alone, taken, chosen)
        assert avoidable(row, alone, taken, chosen)


@settings(max_examples=400, deadline=None)
@given(situations())
def test_every_avoidable_lone_seat_is_caught(situation) -> None:
    row, taken, chosen = situation
    avoidable_lonely = [
        p for p in row if lonely(row, p, taken, chosen) and avoidable(row, p, taken, chosen)
    ]
    assert (stranded_seat(row, taken, chosen) is None) == (not avoidable_lonely)


@settings(max_examples=200, deadline=None)
@given(situations())
def test_a_block_from_the_end_of_a_stretch_is_always_allowed(situation) -> None:
    """Seats taken side by side from one end of a free stretch (the end away from a companion
    seat) are always allowed: a rule that always refuses fails here."""
    row, taken, _ = situation
    free = [p for p in row if p.id not in taken and not p.wheelchair]
    if not free:
        return
    stretch = stretch_of(row, free[0], taken)
    by_col = {p.grid_col: p for p in row}
    before = by_col.get(stretch[0].grid_col - 1)
    if before is not None and before.wheelchair and before.id not in taken:
        stretch = stretch[::-1]  # keep the companion seat for last
    for size in range(1, len(stretch) + 1):
        assert stranded_seat(row, taken, {p.id for p in stretch[:size]}) is None
