"""The movie page: details, the trailer modal (the player is removed on close), showtimes."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS


def test_movie_page_trailer_and_showtimes(app_url: str, page) -> None:
    page.goto(app_url)
    page.get_by_test_id("movie-card").filter(has_text="The Monsoon Express").click()
    expect(page).to_have_url(f"{app_url}/movies/the-monsoon-express")
    expect(page.get_by_role("heading", name="The Monsoon Express", level=1)).to_be_visible()
    expect(page.get_by_text("Aarav Mehta", exact=False)).to_be_visible()
    expect(page.get_by_test_id("showtime-day").first).to_be_visible()
    expect(page.get_by_text("seats left").first).to_be_visible()

    iframe = page.locator("iframe")
    for close in ("button", "escape", "outside"):
        page.get_by_role("button", name="Watch trailer").click()
        expect(iframe).to_have_count(1)
        assert "youtube-nocookie.com/embed/aqz-KE-bpKQ" in iframe.get_attribute("src")
        if close == "button":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "movie-trailer-open.png"))
            page.get_by_role("button", name="Close trailer").click()
        elif close == "escape":
            page.keyboard.press("Escape")
        else:
            page.mouse.click(5, 5)
        expect(iframe).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "movie.png"), full_page=True)


def test_movie_without_a_playable_trailer_has_no_button(app_url: str, page) -> None:
    titles = {
        "paper-boats": "Paper Boats",
        "the-last-raga": "The Last Raga",
        "highway-48": "Highway 48",
    }
    for slug, title in titles.items():
        page.goto(f"{app_url}/movies/{slug}")
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(page.get_by_role("button", name="Watch trailer")).to_have_count(0)


def test_unknown_movie_says_so(app_url: str, page) -> None:
    page.goto(f"{app_url}/movies/no-such-film")
    expect(page.get_by_role("heading", name="Movie not found")).to_be_visible()
