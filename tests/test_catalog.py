"""Movie search and filters combine; city and date mean 'has a show there then'."""

from __future__ import annotations

from datetime import date

from bookmyseat.services.catalog.listings import filter_options, list_movies
from bookmyseat.services.demo.data import load_demo_data

DAY = date(2030, 1, 1)


def titles(cards) -> set[str]:
    return {c.title for c in cards}


def test_search_and_filters_combine(engine, settings) -> None:
    load_demo_data(today=DAY, settings=settings, engine=engine)
    everything = titles(list_movies(engine=engine))
    assert titles(list_movies(search="MONSOON", engine=engine)) == {"The Monsoon Express"}
    assert titles(list_movies(search="kavya", engine=engine)) == {"The Monsoon Express"}  # cast
    hindi = titles(list_movies(language="Hindi", engine=engine))
    assert hindi == {"The Monsoon Express", "Chai & Chaos", "Masala Mission"}
    comedy_hindi = titles(list_movies(language="hindi", genre="Comedy", engine=engine))
    assert comedy_hindi == {"Chai & Chaos", "Masala Mission"}
    bengaluru = titles(list_movies(city="Bengaluru", on_date=DAY, engine=engine))
    assert bengaluru and bengaluru < everything
    assert titles(list_movies(city="Bengaluru", on_date=date(2031, 1, 1), engine=engine)) == set()
    assert list_movies(search="no such film", engine=engine) == []
    options = filter_options(engine=engine)
    assert options.cities == ["Bengaluru", "Mumbai"]
    assert "Hindi" in options.languages and "Comedy" in options.genres
