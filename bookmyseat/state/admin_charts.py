"""Plotly figures for the dashboard, drawn from the analytics service's aggregates."""

from __future__ import annotations

import json

import plotly.graph_objects as go

from bookmyseat.services.reporting.analytics import Dashboard

WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]


def as_json(figure: go.Figure) -> dict:
    """The figure as the browser's plotly receives it ({"data": …, "layout": …})."""
    return json.loads(figure.to_json())


def _layout(figure: go.Figure, title: str) -> go.Figure:
    figure.update_layout(
        title=title,
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
        height=300,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure


EMPTY = "No sales in this range"


def _empty(title: str) -> go.Figure:
    """A chart with nothing to draw says so, instead of axes around nothing (or, for the
    heatmap, one solid block of zeros)."""
    figure = go.Figure()
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.add_annotation(text=EMPTY, showarrow=False, font={"size": 15}, x=0.5, y=0.5,
                          xref="paper", yref="paper")  # fmt: skip
    return _layout(figure, title)


def revenue_by_day(data: Dashboard) -> go.Figure:
    if not any(v for _, v in data.revenue_by_day):
        return _empty("Revenue per day (₹)")
    days = [d for d, _ in data.revenue_by_day]
    rupees = [v / 100 for _, v in data.revenue_by_day]
    figure = go.Figure(go.Bar(x=days, y=rupees, name="Revenue (₹)"))
    figure.update_xaxes(type="category")  # one bar a day, labelled by its date
    return _layout(figure, "Revenue per day (₹)")


def tickets_by_movie(data: Dashboard) -> go.Figure:
    if not any(t for _, t in data.tickets_by_movie):
        return _empty("Tickets per movie (top 10)")
    movies = [m for m, _ in reversed(data.tickets_by_movie)]
    tickets = [t for _, t in reversed(data.tickets_by_movie)]
    figure = go.Figure(go.Bar(x=tickets, y=movies, orientation="h"))
    return _layout(figure, "Tickets per movie (top 10)")


def occupancy_by_screen(data: Dashboard) -> go.Figure:
    if not any(p for _, p in data.occupancy_by_screen):
        return _empty("Occupancy by screen (%)")
    screens = [s for s, _ in data.occupancy_by_screen]
    percent = [p for _, p in data.occupancy_by_screen]
    figure = go.Figure(go.Bar(x=screens, y=percent))
    figure.update_yaxes(range=[0, 100])
    return _layout(figure, "Occupancy by screen (%)")


def sales_heatmap(data: Dashboard) -> go.Figure:
    title = f"Tickets sold by weekday × hour ({data.zone})"
    if not any(tickets for _, _, tickets in data.sales_by_weekday_hour):
        return _empty(title)
    grid = [[0] * 24 for _ in WEEKDAYS]
    for weekday, hour, tickets in data.sales_by_weekday_hour:
        grid[weekday][hour] = tickets
    figure = go.Figure(go.Heatmap(z=grid, x=list(range(24)), y=WEEKDAYS, colorscale="Reds"))
    return _layout(figure, title)


def category_mix(data: Dashboard) -> go.Figure:
    if not any(n for _, n in data.category_mix):
        return _empty("Seat categories")
    labels = [c for c, _ in data.category_mix]
    values = [n for _, n in data.category_mix]
    return _layout(go.Figure(go.Pie(labels=labels, values=values, hole=0.4)), "Seat categories")
