"""The built app starts and its home page lists the demo movies."""

from __future__ import annotations

from playwright.sync_api import expect

from bookmyseat.services.demo.data import DEMO_MOVIES
from tests.e2e.conftest import ARTIFACTS


def test_home_lists_the_demo_movies_and_search_narrows_them(app_url: str, page) -> None:
    page.goto(app_url)
    cards = page.get_by_test_id("movie-card")
    expect(cards).to_have_count(len(DEMO_MOVIES), timeout=30_000)
    for movie in DEMO_MOVIES:
        expect(page.get_by_role("heading", name=movie.title, exact=True)).to_be_visible()
    poster = page.get_by_role("img", name="The Monsoon Express poster")
    expect(poster).to_be_visible()
    assert poster.evaluate("img => img.naturalWidth") > 0, "the poster image did not load"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    page.get_by_label("Search movies").fill("monsoon")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("The Monsoon Express")
    page.get_by_label("Search movies").fill("no film is called this")
    expect(page.get_by_text("No movies match your search and filters.")).to_be_visible()
    expect(cards).to_have_count(0)
    page.get_by_role("button", name="Clear").click()
    expect(cards).to_have_count(len(DEMO_MOVIES))


def choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=f"Filter by {label}").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_filters_combine(app_url: str, page) -> None:
    page.goto(app_url)
    cards = page.get_by_test_id("movie-card")
    expect(cards).to_have_count(len(DEMO_MOVIES), timeout=30_000)
    choose(page, "language", "Hindi")
    expect(cards).to_have_count(3)
    choose(page, "genre", "Comedy")
    expect(cards).to_have_count(2)
    expect(page.get_by_role("heading", name="Chai & Chaos")).to_be_visible()
    expect(page.get_by_role("heading", name="Masala Mission")).to_be_visible()
    choose(page, "genre", "Horror")
    expect(page.get_by_text("No movies match your search and filters.")).to_be_visible()
    choose(page, "language", "Any")
    choose(page, "city", "Bengaluru")
    expect(cards).to_have_count(1)  # the one horror film, showing in Bengaluru this week
    page.screenshot(path=str(ARTIFACTS / "home-filters.png"), full_page=True)
    page.get_by_role("button", name="Clear").click()
    expect(cards).to_have_count(len(DEMO_MOVIES))
    expect(page.get_by_role("button", name="Clear")).to_have_count(0)


def test_landmarks_a_named_theme_toggle_and_the_accessibility_statement(app_url, page) -> None:
    page.goto(app_url)
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("button", name="Switch between light and dark colours")).to_be_visible()
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility").click()
    expect(page).to_have_url(f"{app_url}/accessibility")
    expect(page.get_by_role("heading", name="Accessibility", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("arrow keys move between seats")
    page.goto(f"{app_url}/login")  # the sign-in pages have the same landmarks
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
