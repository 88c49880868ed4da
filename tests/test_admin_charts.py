"""The dashboard's charts: an empty range draws "No sales in this range", not axes around
nothing (nor a heatmap of zeros as one solid block); a range with sales draws its figures."""

from __future__ import annotations

import pytest

from bookmyseat.services.reporting.analytics import Dashboard, Kpis
from bookmyseat.state import admin_charts

CHARTS = [
    admin_charts.revenue_by_day,
    admin_charts.tickets_by_movie,
    admin_charts.occupancy_by_screen,
    admin_charts.sales_heatmap,
    admin_charts.category_mix,
]
NOTHING = Dashboard(Kpis(0, 0, 0, 0, 0, 0, 0, 0.0), [], [], [("Audi 1", 0.0)],
                    [(1, 10, 0)], [])  # fmt: skip
SOME = Dashboard(Kpis(1, 2, 46000, 0, 46000, 20000, 1, 5.0), [("2026-12-01", 46000)],
                 [("Chai & Chaos", 2)], [("Audi 1", 5.0)], [(1, 21, 2)],
                 [("Prime", 2)])  # fmt: skip


@pytest.mark.parametrize("chart", CHARTS)
def test_a_chart_with_nothing_to_draw_says_so(chart) -> None:
    empty = admin_charts.as_json(chart(NOTHING))
    assert empty["data"] == []
    assert [a["text"] for a in empty["layout"]["annotations"]] == ["No sales in this range"]
    assert empty["layout"]["xaxis"]["visible"] is False
    drawn = admin_charts.as_json(chart(SOME))
    assert len(drawn["data"]) == 1 and "annotations" not in drawn["layout"]
