"""The trailer parser: every form people paste gives the id; anything else gives None."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyseat.services.catalog.trailers import embed_url, youtube_video_id
from bookmyseat.services.demo.data import DEMO_MOVIES

ID = "aqz-KE-bpKQ"


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={ID}",
        f"https://youtube.com/watch?feature=share&v={ID}&t=42s",
        f"http://m.youtube.com/watch?v={ID}&list=PL1234",
        f"https://music.youtube.com/watch?v={ID}",
        f"https://youtu.be/{ID}",
        f"https://youtu.be/{ID}?si=abc&t=12",
        f"youtu.be/{ID}",
        f"https://www.youtube.com/embed/{ID}?rel=0",
        f"https://www.youtube-nocookie.com/embed/{ID}",
        f"https://www.youtube.com/shorts/{ID}",
        f"https://www.youtube.com/live/{ID}?feature=shared",
        f"www.youtube.com/watch?v={ID}#comments",
        f"  {ID}  ",
        ID,
    ],
)
def test_accepted_forms(url: str) -> None:
    assert youtube_video_id(url) == ID


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "   ",
        "https://vimeo.com/76979871",
        "https://www.youtube.com/",
        "https://www.youtube.com/watch",
        "https://www.youtube.com/watch?v=tooshort",
        f"https://www.youtube.com/watch?v={ID}x",
        "https://www.youtube.com/channel/UC1234567890",
        f"https://evil.example.com/watch?v={ID}",
        f"https://youtube.com.evil.example/watch?v={ID}",
        "javascript:alert(1)",
        "http://[::1",  # malformed: must not raise
        "not a url at all",
    ],
)
def test_anything_else_gives_none(url: str | None) -> None:
    assert youtube_video_id(url) is None


@given(st.text(max_size=200))
def test_never_raises(text: str) -> None:
    result = youtube_video_id(text)
    assert result is None or len(result) == 11


def test_embed_is_privacy_enhanced() -> None:
    assert embed_url(ID).startswith(f"https://www.youtube-nocookie.com/embed/{ID}")


def test_demo_movies_mix_playable_and_hidden_trailers() -> None:
    ids = [youtube_video_id(m.trailer) for m in DEMO_MOVIES]
    assert sum(i is not None for i in ids) >= 6
    assert sum(i is None for i in ids) >= 2
