"""LookSense: the look of the picture — dark, night-lit by many small lights, or daylight — on
generated frames and on the real clips (cityCC0.mpg at night; vtest.avi, bikes.mp4 by day)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from vstream.senses.colour import LookSense

SHARED_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
W, H = 640, 360


def _look(img: np.ndarray):
    """One LOOK row for one frame (a new shot, so the sense measures it)."""
    enc = SimpleNamespace(frame_ts=0.0, scene_change=True)
    return LookSense().update(enc, img, 0.5)[0]


def _night_city(sky=(20, 22, 45)) -> np.ndarray:
    """Towers against a dark sky, their windows lit: 6x4-px lights on a 12x10-px grid."""
    img = np.empty((H, W, 3), np.uint8)
    img[:] = sky
    rng = np.random.default_rng(1)
    for x0, x1, top in ((40, 220, 90), (260, 420, 40), (460, 620, 140)):
        img[top:, x0:x1] = (45, 60, 70)  # the tower's dark face
        for y in range(top + 6, H - 6, 10):
            for x in range(x0 + 4, x1 - 8, 12):
                if rng.random() < 0.8:
                    img[y:y + 4, x:x + 6] = (235, 225, 170)
    return img


def _day_street() -> np.ndarray:
    """A bright sky, a grey textured street and a few bright highlights (a car's glints)."""
    rng = np.random.default_rng(2)
    img = np.empty((H, W, 3), np.uint8)
    img[: H // 3] = (190, 205, 225)
    ground = rng.integers(95, 150, (H - H // 3, W // 8, 1), dtype=np.uint8).repeat(8, 1)
    img[H // 3:] = np.repeat(ground, 3, axis=2)
    img[200:240, 300:380] = (200, 30, 30)  # a red car
    img[205:209, 310:318] = 250
    return img


def test_a_night_city_lit_by_windows_is_dark_though_its_mean_is_moderate():
    img = _night_city()
    row = _look(img)
    assert row.data.dark and "night-lit" in row.content, row.content
    # the windows lift the mean luma as a lit skyline does; it is the pattern that says night
    lit = _night_city(sky=(60, 70, 110))
    assert _look(lit).data.dark


def test_daylight_and_dark_and_plain_pictures():
    day = _look(_day_street())
    assert not day.data.dark and "night" not in day.content, day.content
    dark = _look(np.full((H, W, 3), 25, np.uint8))
    assert dark.data.dark and dark.content.startswith("the picture is dark")
    plain = np.full((H, W, 3), (40, 60, 150), np.uint8)  # a plain card with white text: not night
    plain[150:200, 100:540:40] = 255
    assert not _look(plain).data.dark


def test_lights_without_darkness_are_not_night():
    """The same window grid on a bright facade (a sunlit office block): no dark around the lights."""
    img = _night_city()
    img[(img == (20, 22, 45)).all(axis=2)] = (200, 210, 225)  # a daylight sky
    img[(img == (45, 60, 70)).all(axis=2)] = (150, 150, 150)  # a light facade
    assert not _look(img).data.dark


def _frames(path: Path, times: tuple[float, ...]) -> list[np.ndarray]:
    import av

    out, want = [], list(times)
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            if want and float(f.time) + 1e-6 >= want[0]:
                out.append(f.to_ndarray(format="rgb24"))
                want.pop(0)
    return out


@pytest.mark.media
@pytest.mark.parametrize("name, times, night", [
    ("cityCC0.mpg", (0.5, 2.0, 4.0, 6.0, 7.5), True),  # both shots: towers at night, lit windows
    ("vtest.avi", (0.0, 20.0, 40.0, 60.0, 78.0), False),  # a campus path by day
    ("bikes.mp4", (0.5, 2.0, 3.5, 5.0, 6.5, 8.5), False),  # streets by day, every shot
    ("cockatoo.mp4", (0.5, 5.0, 10.0, 13.0), False),  # indoors, lit
    ("carphone_pristine.mp4", (1.0, 3.0), False),  # a car by day
])
def test_real_clips_day_and_night(name, times, night):
    path = SHARED_MEDIA / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    rows = [_look(img) for img in _frames(path, times)]
    assert len(rows) == len(times)
    assert [r.data.dark for r in rows] == [night] * len(times), [(r.data.brightness, r.content) for r in rows]


def test_a_close_ups_clothes_are_below_the_face():
    """A head-and-shoulders box (as wide as tall): the colour worn is the lower part (a dark jacket),
    not the upper part where a standing person's torso is (here the face)."""
    import numpy as np

    from memory.records import Box
    from vstream.senses.colour import box_colour

    img = np.full((200, 200, 3), 128, np.uint8)
    img[20:110, 40:160] = (225, 150, 110)  # a face, skin-orange
    img[110:200, 20:180] = (20, 20, 30)  # a dark jacket
    assert box_colour(img, Box(0.1, 0.1, 0.9, 1.0, "person", 0.8)) == "black"
    tall = np.full((300, 100, 3), 128, np.uint8)
    tall[60:165, 20:80] = (200, 30, 30)  # a standing person's red top at 0.2-0.55 of the box
    assert box_colour(tall, Box(0.1, 0.0, 0.9, 1.0, "person", 0.8)) == "red"
