"""Best available (services.booking.best_available): by example, and over random screens.

The properties compare with a brute-force search: a suggestion exists exactly when some block
of N free seats side by side in one row and category exists (so a function that never suggests
fails), and whatever is suggested is such a block (so one that suggests anything fails).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bookmyseat.services.booking.best_available import best_block, best_per_category
from bookmyseat.services.booking.seat_gaps import Place, stranded_seat


def screen(*rows: tuple[str, str]) -> list[Place]:
    """Rows of (category, cells): S a seat, W a wheelchair space, _ an aisle; labels A1, B3..."""
    return [
        Place(id=100 * r + c + 1, label=f"{chr(65 + r)}{c + 1}", grid_row=r, grid_col=c,
              wheelchair=cell == "W", category=category)
        for r, (category, cells) in enumerate(rows)
        for c, cell in enumerate(cells)
        if cell in "SW"
    ]  # fmt: skip


def labels(block) -> list[str]:
    return [p.label for p in block] if block else []


IMAX = screen(
    ("Classic", "SSSS_SSSSSS_SSSS"),
    ("Classic", "SSSS_SSSSSS_SSSS"),
    ("Prime", "SSSS_SSSSSS_SSSS"),
    ("Prime", "SSSS_SSSSSS_SSSS"),
    ("Prime", "SSSS_SSSSSS_SSSS"),
    ("Recliner", "WWSS_SSSSSS_SSWW"),
)


def test_the_best_block_is_central_in_the_middle_distance() -> None:
    # Rows C and D are equally near the middle; the one further from the screen wins.
    assert labels(best_block(IMAX, set(), 2)) == ["D8", "D9"]
    # The dead centre D7-D10 would strand D6 between the block and the aisle: one seat over.
    assert labels(best_block(IMAX, set(), 4)) == ["D6", "D7", "D8", "D9"]


def test_an_aisle_never_splits_a_block_and_taken_seats_are_avoided() -> None:
    taken = {p.id for p in IMAX if p.grid_row in (2, 3) and 5 <= p.grid_col <= 10}
    block = best_block(IMAX, taken, 4)
    assert block is not None and {p.id for p in block}.isdisjoint(taken)
    assert block[-1].grid_col - block[0].grid_col == 3  # side by side, no aisle inside
    assert best_block(IMAX, set(), 7) is None  # the widest stretch between aisles is 6


def test_suggestions_per_category_and_wheelchair_spaces_only_when_asked() -> None:
    found = best_per_category(IMAX, set(), 2)
    assert set(found) == {"Classic", "Prime", "Recliner"}
    assert all(not p.wheelchair for block in found.values() for p in block)
    assert labels(best_block(IMAX, set(), 2, category="Recliner")) == ["F8", "F9"]
    chair = best_block(IMAX, set(), 2, wheelchair=True)
    assert chair is not None and any(p.wheelchair for p in chair)


def test_a_block_that_strands_a_seat_is_never_offered() -> None:
    row = screen(("Prime", "SSSSS"))
    # A2-A3 and A3-A4 are more central but leave A1 or A5 alone; an end pair leaves three.
    assert labels(best_block(row, set(), 2)) in (["A1", "A2"], ["A4", "A5"])


@st.composite
def screens(draw):
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(["Classic", "Prime"]), st.text("SSSSW_", max_size=10)),
            min_size=1,
            max_size=5,
        )
    )
    places = screen(*rows)
    taken = {p.id for p in places if draw(st.integers(0, 3)) == 0}
    return places, taken, draw(st.integers(1, 5)), draw(st.booleans())


def blocks_exist(places, taken, count, wheelchair) -> bool:
    by_place = {(p.grid_row, p.grid_col): p for p in places}
    for p in places:
        block = [by_place.get((p.grid_row, p.grid_col + i)) for i in range(count)]
        if all(b is not None and b.id not in taken for b in block) and (
            len({b.category for b in block}) == 1 and any(b.wheelchair for b in block) == wheelchair
        ):
            return True
    return False


@settings(max_examples=400, deadline=None)
@given(screens())
def test_a_suggestion_exists_exactly_when_a_block_does_and_is_one(case) -> None:
    places, taken, count, wheelchair = case
    block = best_block(places, taken, count, wheelchair=wheelchair)
    assert (block is not None) == blocks_exist(places, taken, count, wheelchair)
    if block is not None:
        assert len(block) == count
        assert all(p.id not in taken for p in block)
        assert len({(p.grid_row, p.category) for p in block}) == 1
        assert [p.grid_col for p in block] == list(
            range(block[0].grid_col, block[0].grid_col + count)
        )
        assert any(p.wheelchair for p in block) == wheelchair
        assert stranded_seat(places, taken, {p.id for p in block}) is None  # the hold takes it


def test_the_route_suggests_per_category_from_the_seats_as_they_are(world, monkeypatch) -> None:
    from starlette.testclient import TestClient

    from bookmyseat.api import api, showtimes
    from bookmyseat.services.booking import best_available

    monkeypatch.setattr(
        showtimes,
        "suggestions",
        lambda showtime_id, count, wheelchair: best_available.suggestions(
            showtime_id, count, wheelchair=wheelchair, engine=world.engine
        ),
    )
    world.hold(world.bob, "C4", "C5")
    client = TestClient(api)
    path = f"/api/showtimes/{world.showtime_id}/best-seats"
    answer = client.get(path, params={"count": 2})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    offers = {o["category"]: o for o in answer.json()["suggestions"]}
    assert list(offers) == ["Prime", "Classic"]  # dearest first
    assert offers["Prime"]["labels"] in (["C1", "C2"], ["C2", "C3"])  # C4-C5 are held
    assert offers["Prime"]["total"] == "₹600"
    assert set(offers["Prime"]["seat_ids"]) <= set(world.seats.values())
    for bad in ("0", "11", "two", ""):
        refused = client.get(path, params={"count": bad})
        assert refused.status_code == 400 and refused.json()["error"] == "Ask for 1 to 10 seats."
    assert client.get("/api/showtimes/987654/best-seats?count=2").status_code == 404
    assert client.get("/api/showtimes/1e9/best-seats?count=2").status_code == 404
