"""What a refused client chose is copied into the audit log short and printable: a reference of
480 characters with line breaks and escapes leaves at most 80 printable ones in the entry."""

from __future__ import annotations

import pytest

from bookmyseat.services.staff import actions as admin
from bookmyseat.services.staff import audit
from bookmyseat.services.staff.access import AccessDenied
from tests.conftest import World

FORGED = "\n2026-12-08 admin1 granted\x1b[2J\u202e" + "X" * 480


@pytest.mark.parametrize(
    "refused",
    [
        lambda world: admin.booking_detail(None, FORGED, engine=world.engine),
        lambda world: admin.cancel_as_staff(None, FORGED, engine=world.engine),
        lambda world: admin.resend_as_staff(None, FORGED, engine=world.engine),
    ],
    ids=["view", "cancel", "resend"],
)
def test_a_refused_action_copies_little_of_what_the_client_chose(world: World, refused) -> None:
    with pytest.raises(AccessDenied):
        refused(world)
    [row], _ = audit.entries(action="access_refused", engine=world.engine)
    assert row.detail.count("X") < audit.CLIENT_TEXT_CHARS
    fixed_text = len("anonymous tried to change booking  (resend)")
    assert len(row.detail) <= fixed_text + audit.CLIENT_TEXT_CHARS
    assert row.detail.isprintable(), row.detail
    assert "2026-12-08 admin1 granted" in row.detail  # kept, on the entry's one line


def test_client_text_keeps_printable_text_and_marks_the_cut() -> None:
    assert audit.client_text("VREF2345") == "VREF2345"
    assert audit.client_text("café ₹ 12") == "café ₹ 12"
    assert audit.client_text("a\r\nb\tc\x00d\x7fe\x9bf\u2028g\u202eh") == "abcdefgh"
    cut = audit.client_text("y" * 500)
    assert len(cut) == audit.CLIENT_TEXT_CHARS and cut.endswith("…")
    assert audit.client_text(12345) == "12345"


def test_an_entity_id_is_kept_short_and_printable(world: World) -> None:
    audit.record(
        audit.Actor.anonymous(), "sign_in_failed", entity="account",
        entity_id="victim\n" + "z" * 100, engine=world.engine,
    )  # fmt: skip
    [row], _ = audit.entries(action="sign_in_failed", engine=world.engine)
    assert row.entity_id.startswith("victimzzz") and len(row.entity_id) == 40
    assert row.entity_id.isprintable()
