"""Seat layouts: numbering across gaps, categories, wheelchair and blocked seats, bad input."""

from __future__ import annotations

import json

import pytest

from bookmyseat.services.catalog.layouts import (
    LayoutError,
    layout_categories,
    layout_json,
    parse_layout,
)


def test_seats_are_numbered_from_the_left_skipping_gaps() -> None:
    seats = parse_layout(
        layout_json(
            [
                {"label": "A", "category": "Classic", "cells": "_SS_SX_W"},
                {"gap": True},
                {"label": "B", "category": "Recliner", "cells": "SS"},
            ]
        )
    )
    assert [s.label for s in seats] == ["A1", "A2", "A3", "A4", "A5", "B1", "B2"]
    assert [s.grid_col for s in seats[:5]] == [1, 2, 4, 5, 7]
    assert seats[4].is_wheelchair and seats[3].is_blocked and not seats[0].is_blocked
    assert seats[5].grid_row == 2  # the cross aisle keeps its row on the map
    assert seats[5].category == "Recliner"


def test_categories_in_order_of_appearance() -> None:
    text = layout_json(
        [
            {"label": "A", "category": "Classic", "cells": "S"},
            {"label": "B", "category": "Prime", "cells": "S"},
            {"label": "C", "category": "Classic", "cells": "S"},
        ]
    )
    assert layout_categories(text) == ["Classic", "Prime"]


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("not json", "not valid JSON"),
        (json.dumps({"rows": []}), "at least one row"),
        (json.dumps({"rows": [{"label": "1", "category": "Classic", "cells": "S"}]}), "label"),
        (json.dumps({"rows": [{"label": "A", "category": "Gold", "cells": "S"}]}), "category"),
        (json.dumps({"rows": [{"label": "A", "category": "Classic", "cells": "S?"}]}), "unknown"),
        (json.dumps({"rows": [{"label": "A", "category": "Classic", "cells": "__"}]}), "no seats"),
        (
            json.dumps(
                {
                    "rows": [
                        {"label": "A", "category": "Classic", "cells": "S"},
                        {"label": "a", "category": "Classic", "cells": "S"},
                    ]
                }
            ),
            "twice",
        ),
    ],
)
def test_bad_layouts_say_what_to_fix(layout: str, message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        parse_layout(layout)
