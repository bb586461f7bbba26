"""Generated clips for the QA development set (`gen:NAME` in a set file).

Each clip is a script with known ground truth: timed on-screen text, sentences spoken by
espeak-ng at known times (muxed as AAC beside the H.264 video), people walking in and out,
coloured shapes moving, scene cuts. Clips are deterministic and written into a cache folder
(never into the repo): `build("signs")` returns the path, regenerating only when the script or
this generator changes (the file name carries a hash of both).

People are cut out of ../shared/media/vtest.avi (real pedestrians, masked against the clip's
median background) when that file is present; otherwise a drawn figure stands in. Their times
and positions are the same either way, so the ground truth does not change.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from eval.synthvideo import SceneScript, Segment, ShapeEvent, TextEvent
from vstream.errors import MissingDependencyError, VStreamError

GENERATOR_VERSION = 1  # bump when rendering changes: every cached clip is rebuilt
SHARED_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
AUDIO_RATE = 22050  # espeak-ng writes 22.05 kHz mono; AAC encodes it as is
AAC_FRAME = 1024  # samples per AAC frame


@dataclass(frozen=True)
class SpeechEvent:
    text: str
    t_start: float  # the first sample of the sentence lands here
    voice: str = "en-us"
    wpm: int = 130  # Whisper tiny.en transcribed 130 wpm espeak-ng speech with ~0.3 s word times


@dataclass(frozen=True)
class PersonEvent:
    """A person walking in a straight line from xy0 (at t_start) to xy1 (at t_end); feet at y."""

    t_start: float
    t_end: float
    xy0: tuple[float, float]  # feet position, fractions of (w, h)
    xy1: tuple[float, float]
    sprite: int = 0  # which cut-out (0..len(SPRITES)-1)
    height: float = 0.38  # fraction of the frame height


@dataclass(frozen=True)
class BrollShot:
    """A shot of real footage (or a plain card): source seconds [src_t0, src_t1] of
    ../shared/media/`media` played forward then backward (ping-pong, so the motion never jumps
    and no cut appears inside the shot) to fill [t_start, t_end). `media` "" is a plain card of
    `color`; a missing file falls back to the same plain card, so the shot times do not change."""

    t_start: float
    t_end: float
    media: str = ""
    src_t0: float = 0.0
    src_t1: float = 0.0
    color: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True)
class Graphic:
    """On-screen text drawn like broadcast graphics (Pillow, TrueType), visible in [t_start, t_end).

    kind: "title" (big line + smaller subtitle, centred), "lower_third" (a semi-opaque coloured
    bar, bottom-left: name + role, or one line), "chapter" (a centred band), "bug" (a small
    corner box, top-right), "caption" (a centred band near the bottom), "credits" (lines
    scrolling upward at CREDITS_SPEED px/s from the bottom of the frame), "ticker" (a band at the
    very bottom: a fixed "LATEST" label, the lines scrolling leftward at TICKER_SPEED px/s, looping),
    "clock" (a small top-left box; lines[0] "HH:MM:SS" is the time at t_start, shown as HH:MM and
    ticking on; an optional lines[1], a date such as "18/03/2026", is shown before it, as a CCTV
    camera stamps its picture), "corner" (the clock's box with lines[0] as written: a value that is
    replaced, not ticking, e.g. "38 KM TO GO"; a new Graphic at each change), "breaking" (a red band under the
    top: a white "BREAKING" box + lines[1]),
    "weather" (a centred panel: lines[0] as its header, lines[1] large), "slide" (a presentation
    slide filling the frame: light background, lines[0] a dark bold title over an accent rule in
    `color`, lines[1:] below it, "- " lines as bullets, others plain, e.g. a quote), "page" (a
    small slide number such as "3/8", bottom-right; listed after its slide so it is drawn on top)."""

    kind: str
    t_start: float
    t_end: float
    lines: tuple[str, ...]
    color: tuple[int, int, int] = (20, 110, 130)


@dataclass(frozen=True)
class ClipSpec:
    name: str
    duration: float
    fps: float = 10.0
    size: tuple[int, int] = (640, 360)
    segments: tuple[Segment, ...] = ()
    texts: tuple[TextEvent, ...] = ()
    shapes: tuple[ShapeEvent, ...] = ()
    people: tuple[PersonEvent, ...] = ()
    speech: tuple[SpeechEvent, ...] = ()
    scene_background: bool = False  # people clips: vtest.avi's empty scene as the backdrop
    broll: tuple[BrollShot, ...] = ()  # explainer clips: real-footage shots instead of `segments`
    graphics: tuple[Graphic, ...] = ()  # explainer clips: TrueType titles, banners, credits

    def key(self) -> str:
        d = asdict(self)
        for name in ("broll", "graphics"):  # absent when empty: the older clips keep their keys (and caches)
            if not d[name]:
                del d[name]
        blob = json.dumps([GENERATOR_VERSION, d], sort_keys=True, default=str)
        return hashlib.sha1(blob.encode()).hexdigest()[:12]


def _slide(t_start: float, t_end: float, number: int, total: int, lines: tuple[str, ...],
           color: tuple[int, int, int] = (40, 110, 190)) -> tuple[Graphic, Graphic]:
    """A slide and its "number/total" in the corner (two graphics, so every other kind stays as it was)."""
    return Graphic("slide", t_start, t_end, lines, color), Graphic("page", t_start, t_end, (f"{number}/{total}",))


# ---- the clips the development set uses ---------------------------------------------------------------
GREY, TEAL, BROWN, NAVY = (120, 120, 125), (40, 110, 120), (120, 85, 60), (35, 45, 90)
RED, BLUE, YELLOW, GREEN = (220, 30, 30), (40, 70, 230), (250, 220, 40), (40, 190, 60)

CLIPS: dict[str, ClipSpec] = {
    # 60 s of a lobby screen: five signs at known times, two cuts (28 s, 42 s).
    "signs": ClipSpec(
        "signs", 60.0,
        segments=(Segment(0, 28, TEAL, seed=11), Segment(28, 42, BROWN, seed=12), Segment(42, 60, NAVY, seed=13)),
        texts=(TextEvent("FIRE DRILL AT 14:30", 5, 13, (0.06, 0.55), 1.5),
               TextEvent("ROOM 214", 18, 26, (0.25, 0.55), 2.0),
               TextEvent("www.harbortickets.com", 31, 39, (0.04, 0.55), 1.15),
               TextEvent("EXIT", 45, 53, (0.38, 0.55), 2.4),
               TextEvent("WET FLOOR", 55, 60, (0.22, 0.55), 2.0)),
        shapes=(ShapeEvent("circle", YELLOW, 20, 27, (0.1, 0.2), (0.9, 0.2), 0.07),),
    ),
    # 60 s of a quiet corridor with announcements spoken at known times; one sign at the end.
    "speech": ClipSpec(
        "speech", 60.0,
        segments=(Segment(0, 60, GREY, seed=21),),
        texts=(TextEvent("QUIET PLEASE", 50, 58, (0.15, 0.55), 2.0),),
        speech=(SpeechEvent("The delivery truck is waiting at dock seven.", 4),
                SpeechEvent("The meeting has moved to room twelve.", 16),
                SpeechEvent("Reminder, the fire alarm test starts at three thirty.", 28),
                SpeechEvent("Lunch today is in the blue cafeteria.", 42)),
    ),
    # 60 s on vtest.avi's empty campus path: three people walk through, a red box and a blue ball move.
    "people": ClipSpec(
        "people", 60.0, scene_background=True,
        segments=(Segment(0, 60, GREY, seed=31),),
        people=(PersonEvent(5, 21, (-0.05, 0.62), (1.05, 0.58), sprite=0),
                PersonEvent(11, 29, (1.05, 0.70), (-0.05, 0.66), sprite=1),
                PersonEvent(36, 50, (-0.05, 0.60), (1.05, 0.64), sprite=2)),
        shapes=(ShapeEvent("square", RED, 22, 32, (0.9, 0.25), (0.1, 0.25), 0.06),
                ShapeEvent("circle", BLUE, 40, 46, (0.2, 0.15), (0.8, 0.15), 0.06)),
    ),
    # 12 s, for the end-to-end test: two signs, nothing spoken.
    "mini": ClipSpec(
        "mini", 12.0, size=(480, 270),
        segments=(Segment(0, 12, TEAL, seed=41),),
        texts=(TextEvent("GATE 7", 2, 6, (0.25, 0.55), 2.0), TextEvent("EXIT", 8, 11.5, (0.35, 0.55), 2.4)),
    ),
    # 120 s explainer: a title card, B-roll cut from the real clips (8 cuts), lower-third name
    # banners, a hashtag bug, a fact caption, a chapter title, a web address, a phone number,
    # narration (some about what is shown, some only spoken) and rolling credits on black.
    "explainer": ClipSpec(
        "explainer", 120.0, size=(854, 480),
        broll=(BrollShot(0, 6, color=(18, 24, 44)),
               BrollShot(6, 20, "cockatoo.mp4", 0.5, 7.5, (60, 60, 60)),
               BrollShot(20, 34, "cityCC0.mpg", 0.2, 5.0, (30, 35, 60)),
               BrollShot(34, 48, "vtest.avi", 20.0, 34.0, (90, 100, 90)),
               BrollShot(48, 62, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(62, 76, "cockatoo.mp4", 7.0, 13.5, (70, 60, 60)),
               BrollShot(76, 90, "cityCC0.mpg", 5.4, 7.4, (25, 25, 50)),
               BrollShot(90, 102, "vtest.avi", 50.0, 62.0, (90, 95, 100)),
               BrollShot(102, 120)),
        graphics=(Graphic("title", 0, 6, ("The Hidden Life of City Birds", "A short film by Harbor Lane Studio")),
                  Graphic("lower_third", 9, 15, ("Dr. Maya Chen", "Ornithologist, Lakeside University"), (20, 110, 130)),
                  Graphic("bug", 22, 46, ("#CityBirds",), (200, 60, 50)),
                  Graphic("caption", 38, 44, ("Over 4,000 pigeons counted in 2025",), (20, 20, 20)),
                  Graphic("chapter", 48, 53, ("Part 2: What they eat",), (15, 15, 25)),
                  Graphic("lower_third", 64, 70, ("Tom Reyes", "Park Ranger, Eastside Gardens"), (200, 110, 20)),
                  Graphic("lower_third", 80, 88, ("Learn more at citybirds.org",), (90, 50, 140)),
                  Graphic("caption", 92, 98, ("Report injured birds: 555-0142",), (140, 20, 30)),
                  Graphic("credits", 102, 120, ("Directed by Sam Ortiz", "Narrated by Lee Park", "Music by The Night Owls",
                                                "Special thanks to Lakeside University", "\u00a9 2026 Harbor Lane Studio"))),
        speech=(SpeechEvent("Every city is full of birds that most people never notice.", 7),
                SpeechEvent("She has spent twelve years watching them from her office window.", 16),
                SpeechEvent("Cockatoos can live for more than sixty years.", 25),
                SpeechEvent("Each spring, volunteers count the pigeons in every park.", 36),
                SpeechEvent("Most city birds eat seeds, insects, and the crumbs we drop.", 50),
                SpeechEvent("In winter, the ranger leaves out sunflower seeds for the sparrows.", 66),
                SpeechEvent("Bright towers at night can confuse birds that fly in the dark.", 78),
                SpeechEvent("If you find a hurt bird, please call the number on the screen.", 92)),
    ),
    # 90 s local news bulletin: a title card, city/path B-roll with number captions, a BREAKING
    # band, a talking-head interview (carphone_pristine.mp4 upscaled, ping-pong) with a lower third,
    # a presenter voice (female) asking and the interviewee (a second, en-gb voice) answering, a
    # looping headline ticker and a clock + channel bug over 6-80 s, a weather panel, and a web
    # address + email on the end card. Shots cut at 6, 18, 30, 58, 70, 80 s (6 cuts).
    "newsdesk": ClipSpec(
        "newsdesk", 90.0, size=(854, 480),
        broll=(BrollShot(0, 6, color=(14, 22, 48)),
               BrollShot(6, 18, "cityCC0.mpg", 0.2, 5.0, (30, 35, 60)),
               BrollShot(18, 30, "vtest.avi", 20.0, 30.0, (90, 100, 90)),
               BrollShot(30, 58, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(58, 70, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(70, 80, color=(30, 80, 150)),
               BrollShot(80, 90, color=(14, 22, 48))),
        graphics=(Graphic("title", 0, 6, ("Northgate Evening News", "Tuesday 14 October")),
                  Graphic("bug", 6, 80, ("NGN LIVE",), (180, 30, 40)),
                  Graphic("clock", 6, 80, ("18:29:36",), (20, 30, 60)),
                  Graphic("ticker", 6, 80, ("Council approves new river bridge", "Ferry fares rise 10% from Monday",
                                            "City library to open on Sundays"), (20, 30, 60)),
                  Graphic("caption", 9, 15, ("Traffic up 12% since March",), (20, 20, 20)),
                  Graphic("breaking", 20, 27, ("BREAKING", "Main Street closed after water pipe burst"), (190, 20, 30)),
                  Graphic("lower_third", 33, 41, ("Daniel Okafor", "Commuter, Riverside"), (30, 120, 60)),
                  Graphic("caption", 61, 67, ("3 new cycle lanes by 2027",), (20, 20, 20)),
                  Graphic("weather", 71, 79, ("WEATHER", "Tomorrow: 18\u00b0C, light rain"), (25, 60, 120)),
                  Graphic("title", 81, 90, ("northgatenews.co.uk", "Email us: tips@northgatenews.co.uk"))),
        speech=(SpeechEvent("Good evening, here is tonight's news.", 1, "en-us+f3"),
                SpeechEvent("Traffic in the city has grown again this year.", 7, "en-us+f3"),
                SpeechEvent("Main Street will stay closed until Friday morning.", 21, "en-us+f3"),
                SpeechEvent("Daniel, how long does your drive to work take now?", 31, "en-us+f3"),
                SpeechEvent("About forty minutes. It used to be twenty.", 36, "en-gb"),
                SpeechEvent("What would make your commute easier?", 41, "en-us+f3"),
                SpeechEvent("More buses, and a second bridge over the river.", 44, "en-gb"),
                SpeechEvent("Would you ever cycle to work instead?", 49, "en-us+f3"),
                SpeechEvent("Not yet. The roads feel too busy.", 52.5, "en-gb"),
                SpeechEvent("The council plans three new cycle lanes.", 60, "en-us+f3"),
                SpeechEvent("Tomorrow will be mild, with light rain after lunch.", 72, "en-us+f3"),
                SpeechEvent("That is all from us. Good night.", 83, "en-us+f3")),
    ),
    # 120 s recorded university talk: eight slides (title, agenda, three content slides with numbers,
    # a quote, key takeaways, "Questions?" with an email and a web address), each with its number
    # bottom-right; cuts to the speaker (carphone_pristine.mp4, a lower third naming him) at 10-18 s
    # and for an audience question at 92-104 s (a second, female voice asks; he answers); city-at-night
    # B-roll with a caption at 53-61 s. The speaker (en-gb) restates some slides and says things no
    # slide shows (phones, twenty minutes, the bicycle, forty sensors, ninety percent, coffee).
    "lecture": ClipSpec(
        "lecture", 120.0, size=(854, 480),
        broll=(BrollShot(0, 10, color=(248, 248, 244)),
               BrollShot(10, 18, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(18, 53, color=(248, 248, 244)),
               BrollShot(53, 61, "cityCC0.mpg", 0.2, 5.0, (30, 35, 60)),
               BrollShot(61, 92, color=(248, 248, 244)),
               BrollShot(92, 104, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(104, 120, color=(248, 248, 244))),
        graphics=(
            *_slide(0, 10, 1, 8, ("Urban Heat Islands", "Dr. Martin Hale", "Department of Geography, Northfield University",
                                  "12 March 2026")),
            Graphic("lower_third", 10.5, 17, ("Dr. Martin Hale", "Climate Scientist, Northfield University"), (30, 70, 140)),
            *_slide(18, 28, 2, 8, ("Agenda", "- What is a heat island?", "- How we measured it", "- The main causes",
                                   "- What cities can do")),
            *_slide(28, 43, 3, 8, ("What is an urban heat island?", "- Cities are warmer than the land around them",
                                   "- Up to 7\u00b0C warmer at night", "- Strongest on calm, clear evenings")),
            *_slide(43, 53, 4, 8, ("How we measured it", "- Satellite data from 120 cities", "- Ten years: 2014 to 2024",
                                   "- Average gap: 2.9\u00b0C", "- Largest gap: 8.4\u00b0C (Phoenix)")),
            Graphic("caption", 54, 60, ("Northfield city centre at night",), (20, 20, 20)),
            *_slide(61, 72, 5, 8, ("Main causes", "- Dark roofs and roads absorb sunlight", "- Too few trees and parks",
                                   "- Heat from cars and air conditioners", "- Tall buildings trap warm air")),
            *_slide(72, 82, 6, 8, ("A thought to keep in mind", "\u201cWe shape our buildings;",
                                   "thereafter they shape us.\u201d", "\u2014 Winston Churchill")),
            *_slide(82, 92, 7, 8, ("Key takeaways", "- Heat islands are worst at night", "- Cool roofs cut roof heat by 30%",
                                   "- Street trees cool the air by up to 3\u00b0C")),
            Graphic("lower_third", 92.5, 103, ("Audience Q&A",), (150, 60, 30)),
            *_slide(104, 120, 8, 8, ("Thank you! Questions?", "Email: m.hale@northfield.ac.uk",
                                     "Slides: www.northfield.ac.uk/heat"))),
        speech=(SpeechEvent("Good morning, everyone, and please silence your phones.", 11, "en-gb"),
                SpeechEvent("The talk has four parts, and it should take about twenty minutes.", 19.5, "en-gb"),
                SpeechEvent("At night, a city centre can be up to seven degrees warmer than the fields around it.", 29, "en-gb"),
                SpeechEvent("I first measured this on my bicycle, with a thermometer taped to the handlebars.", 36, "en-gb"),
                SpeechEvent("We studied one hundred and twenty cities over ten years.", 43.5, "en-gb"),
                SpeechEvent("We also put forty sensors on rooftops.", 48.8, "en-gb"),
                SpeechEvent("Concrete and asphalt store the heat of the day and release it after sunset.", 54, "en-gb"),
                SpeechEvent("Dark roofs can absorb up to ninety percent of sunlight.", 62, "en-gb"),
                SpeechEvent("Churchill said this about buildings, but it is just as true of cities.", 73.5, "en-gb"),
                SpeechEvent("If you remember only one thing today, plant more trees.", 83, "en-gb"),
                SpeechEvent("Does painting a roof white really make a difference?", 93, "en-us+f3"),
                SpeechEvent("Yes, a white roof can stay twenty degrees cooler at noon.", 97.5, "en-gb"),
                SpeechEvent("Thank you for listening. My slides are online at the address on the screen.", 105, "en-gb"),
                SpeechEvent("Coffee is served in the lobby in ten minutes.", 112, "en-gb")),
    ),
    # 120 s how-to / recipe video ("Easy Banana Bread", Sunny Side Kitchen): a title card, the host
    # (carphone_pristine.mp4) named by a lower third, a full-frame ingredients card (a `slide`: six
    # lines with quantities), six numbered step captions over real-footage B-roll, the oven
    # temperature and time on a band, a TIP banner (the `breaking` band with its own label), and a
    # "Subscribe" end card with the channel's address. Shots cut at 6, 14, 26, 38, 50, 62, 74, 82,
    # 94, 104, 110 s (11 cuts). The host (en-us+f3) restates some captions and says things no
    # caption shows: the egg substitute, brown bananas, the butter warning, overmixing, walnuts,
    # 350 Fahrenheit, foil, storage for three days, next Friday.
    "howto": ClipSpec(
        "howto", 120.0, size=(854, 480),
        broll=(BrollShot(0, 6, color=(70, 40, 22)),
               BrollShot(6, 14, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(14, 26, color=(248, 248, 244)),
               BrollShot(26, 38, "cockatoo.mp4", 0.5, 7.5, (60, 60, 60)),
               BrollShot(38, 50, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(50, 62, "vtest.avi", 20.0, 30.0, (90, 100, 90)),
               BrollShot(62, 74, "cityCC0.mpg", 0.2, 5.0, (30, 35, 60)),
               BrollShot(74, 82, "cockatoo.mp4", 7.0, 13.5, (70, 60, 60)),
               BrollShot(82, 94, "cityCC0.mpg", 5.4, 7.4, (25, 25, 50)),
               BrollShot(94, 104, "vtest.avi", 50.0, 60.0, (90, 95, 100)),
               BrollShot(104, 110, "bikes.mp4", 5.6, 7.4, (80, 70, 60)),
               BrollShot(110, 120, color=(70, 40, 22))),
        graphics=(Graphic("title", 0, 6, ("Easy Banana Bread", "Sunny Side Kitchen")),
                  Graphic("lower_third", 7, 13, ("Ana Ruiz", "Host, Sunny Side Kitchen"), (200, 110, 20)),
                  Graphic("slide", 14, 26, ("Ingredients", "- 3 ripe bananas", "- 250 g flour", "- 1 tsp baking soda",
                                            "- 150 g brown sugar", "- 75 g melted butter", "- 1 egg"), (210, 120, 30)),
                  Graphic("caption", 27, 35, ("Step 1: Mash the bananas",), (20, 20, 20)),
                  Graphic("caption", 39, 47, ("Step 2: Stir in the melted butter",), (20, 20, 20)),
                  Graphic("caption", 51, 58, ("Step 3: Beat in the sugar and egg",), (20, 20, 20)),
                  Graphic("caption", 63, 70, ("Step 4: Fold in flour and baking soda",), (20, 20, 20)),
                  Graphic("caption", 75, 81, ("Step 5: Pour into a greased loaf tin",), (20, 20, 20)),
                  Graphic("chapter", 83, 92, ("Bake at 180\u00b0C for 55 minutes",), (150, 50, 20)),
                  Graphic("breaking", 95, 102, ("TIP", "A toothpick should come out clean"), (30, 130, 70)),
                  Graphic("caption", 104.5, 109.5, ("Step 6: Cool for 10 minutes, then slice",), (20, 20, 20)),
                  Graphic("title", 110, 120, ("Subscribe for more!", "youtube.com/@SunnySideKitchen")),
                  Graphic("lower_third", 111, 119, ("New recipes every Friday",), (200, 110, 20))),
        speech=(SpeechEvent("Today we are making the easiest banana bread you will ever bake.", 7, "en-us+f3"),
                SpeechEvent("You only need six ingredients and one bowl.", 15, "en-us+f3"),
                SpeechEvent("If you have no eggs, use three tablespoons of apple sauce instead.", 20, "en-us+f3"),
                SpeechEvent("First, mash the bananas with a fork until they are smooth.", 27.5, "en-us+f3"),
                SpeechEvent("The browner the bananas, the sweeter the bread.", 33, "en-us+f3"),
                SpeechEvent("Next, stir in the melted butter, but make sure it is not too hot.", 39.5, "en-us+f3"),
                SpeechEvent("Now beat in the sugar and the egg.", 51.5, "en-us+f3"),
                SpeechEvent("Fold in the flour gently, and do not overmix it.", 63.5, "en-us+f3"),
                SpeechEvent("You can also add a handful of chopped walnuts.", 69, "en-us+f3"),
                SpeechEvent("Pour the batter into a greased loaf tin.", 76, "en-us+f3"),
                SpeechEvent("The oven should be at three hundred and fifty degrees Fahrenheit.", 84, "en-us+f3"),
                SpeechEvent("If the top browns too fast, cover it with foil.", 96, "en-us+f3"),
                SpeechEvent("Wrapped up tight, it keeps for three days on the counter.", 104.5, "en-us+f3"),
                SpeechEvent("Thanks for watching, and see you next Friday.", 112, "en-us+f3")),
    ),
    # 110 s product review ("Auralis Q5 Headphones", Tech Bench Weekly): a title card, the host
    # (carphone_pristine.mp4) named by a lower third, a full-frame specs card with numbers, a price
    # caption over city B-roll, a SPONSOR band (the `breaking` band with its own label), PROS and CONS
    # cards, a rating panel (the `weather` panel) over the host, and an end card with a discount code,
    # the web address and a lower third. Shots cut at 6, 16, 28, 40, 50, 62, 74, 84, 94 s. The host
    # (en-gb) restates some cards and says things no card shows: the quick charge, the rival (a Sony
    # pair, $100 more), his opinion of the noise cancelling, a six-hour flight, the windy-call warning,
    # who they are for, and that gamers should look elsewhere. Held out: dev10.json is never tuned on.
    "review": ClipSpec(
        "review", 110.0, size=(854, 480),
        broll=(BrollShot(0, 6, color=(24, 26, 34)),
               BrollShot(6, 16, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(16, 28, color=(248, 248, 244)),
               BrollShot(28, 40, "cityCC0.mpg", 0.2, 5.0, (30, 35, 60)),
               BrollShot(40, 50, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(50, 74, color=(248, 248, 244)),
               BrollShot(74, 84, "vtest.avi", 20.0, 30.0, (90, 100, 90)),
               BrollShot(84, 94, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(94, 110, color=(24, 26, 34))),
        graphics=(Graphic("title", 0, 6, ("Auralis Q5 Headphones", "Full Review - Tech Bench Weekly")),
                  Graphic("lower_third", 7, 15, ("Owen Harper", "Host, Tech Bench Weekly"), (190, 50, 45)),
                  Graphic("slide", 16, 28, ("Specs", "- Battery: 40 hours", "- Weight: 250 g", "- Charge time: 2 hours",
                                            "- Bluetooth 5.3"), (190, 50, 45)),
                  Graphic("caption", 29, 37, ("Price: $199",), (20, 20, 20)),
                  Graphic("breaking", 41, 48, ("SPONSOR", "Today's video is sponsored by CloudNest"), (110, 50, 150)),
                  Graphic("slide", 50, 62, ("Pros", "- Excellent noise cancelling", "- 40-hour battery life",
                                            "- Light and comfortable", "- USB-C fast charging"), (40, 150, 70)),
                  Graphic("slide", 62, 74, ("Cons", "- Bulky carry case", "- Touch controls too sensitive",
                                            "- No aptX support"), (190, 40, 40)),
                  Graphic("weather", 85, 93, ("OUR RATING", "Score: 8/10"), (30, 30, 40)),
                  Graphic("title", 94, 110, ("Code OWEN15: 15% off", "www.techbenchweekly.com")),
                  Graphic("lower_third", 95, 109, ("New reviews every Tuesday",), (190, 50, 45))),
        speech=(SpeechEvent("Hi everyone, today I am reviewing a pair of wireless headphones.", 7, "en-gb"),
                SpeechEvent("The battery lasts forty hours with noise cancelling switched on.", 17, "en-gb"),
                SpeechEvent("A quick ten minute charge gives you about five hours of music.", 23, "en-gb"),
                SpeechEvent("They cost one hundred and ninety nine dollars.", 29, "en-gb"),
                SpeechEvent("That is a hundred dollars less than the Sony pair I reviewed last month.", 33.5, "en-gb"),
                SpeechEvent("Thanks to today's sponsor, whose link is in the description.", 41.5, "en-gb"),
                SpeechEvent("The noise cancelling is the best I have heard at this price.", 51, "en-gb"),
                SpeechEvent("I wore them on a six hour flight and my ears never hurt.", 56.5, "en-gb"),
                SpeechEvent("My biggest complaint is the carry case, which is far too bulky.", 63, "en-gb"),
                SpeechEvent("One warning: the microphone struggles with phone calls on windy days.", 68.5, "en-gb"),
                SpeechEvent("If you commute by train or work in a noisy office, these are for you.", 75.5, "en-gb"),
                SpeechEvent("Overall, I give them eight out of ten.", 85.5, "en-gb"),
                SpeechEvent("I would recommend them, but gamers should look elsewhere because of the delay.", 89.5, "en-gb"),
                SpeechEvent("Use my code for fifteen percent off, and thanks for watching.", 97, "en-gb")),
    ),
    # 100 s city walking-tour vlog ("A Morning in Old Harbour", Slow Streets): a title card, the host
    # (carphone_pristine.mp4) named by a lower third, place-name captions over real-footage B-roll
    # (Market Square, St. Clare's Church with its year, Harbour Bridge), a full-frame museum info card
    # (hours, price, closing day), a directions caption, a "Stop 3" chapter band, a map-pin bug, and an
    # end card with the channel handle, web address and a lower third. Shots cut at 6, 16, 30, 42, 52,
    # 64, 76, 84, 90 s (9 cuts). The host (en-gb) restates some captions and says things none shows:
    # the Saturday market, coffee at the blue kiosk, the bell of 1710, a cyclist warning, free entry on
    # the first Sunday, the twelve-pound boat trip, tram tracks, lunch at the Anchor Inn, seagulls.
    # Held out: dev11.json is never tuned on.
    "tour": ClipSpec(
        "tour", 100.0, size=(854, 480),
        broll=(BrollShot(0, 6, color=(18, 52, 62)),
               BrollShot(6, 16, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(16, 30, "vtest.avi", 20.0, 30.0, (90, 100, 90)),
               BrollShot(30, 42, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(42, 52, color=(248, 248, 244)),
               BrollShot(52, 64, "vtest.avi", 50.0, 60.0, (90, 95, 100)),
               BrollShot(64, 76, "cityCC0.mpg", 0.2, 5.0, (30, 35, 60)),
               BrollShot(76, 84, "cityCC0.mpg", 5.4, 7.4, (25, 25, 50)),
               BrollShot(84, 90, "cockatoo.mp4", 7.0, 13.0, (70, 60, 60)),
               BrollShot(90, 100, color=(18, 52, 62))),
        graphics=(Graphic("title", 0, 6, ("A Morning in Old Harbour", "A walking tour by Slow Streets")),
                  Graphic("lower_third", 7, 14, ("Oliver Grant", "Your guide, Slow Streets"), (20, 120, 120)),
                  Graphic("bug", 16, 42, ("\u26b2 Old Harbour",), (200, 50, 50)),
                  Graphic("caption", 17, 25, ("Market Square",), (20, 20, 20)),
                  Graphic("caption", 31, 39, ("St. Clare's Church, built 1642",), (20, 20, 20)),
                  Graphic("slide", 42, 52, ("Harbour Museum", "- Open 9:00\u201317:00", "- Adults \u00a38",
                                            "- Children under 12 free", "- Closed on Mondays"), (20, 120, 120)),
                  Graphic("bug", 52, 84, ("\u26b2 Old Harbour",), (200, 50, 50)),
                  Graphic("caption", 53, 60, ("Turn left at the fountain",), (20, 20, 20)),
                  Graphic("chapter", 65, 71, ("Stop 3: The Old Port",), (20, 60, 90)),
                  Graphic("caption", 77, 83, ("Harbour Bridge",), (20, 20, 20)),
                  Graphic("title", 90, 100, ("@SlowStreets", "www.slowstreets.co.uk")),
                  Graphic("lower_third", 91, 99, ("New walks every Sunday",), (20, 120, 120))),
        speech=(SpeechEvent("Good morning, and welcome to Old Harbour.", 7, "en-gb"),
                SpeechEvent("This is Market Square, where the farmers market runs every Saturday.", 17.5, "en-gb"),
                SpeechEvent("For the best coffee, try the little blue kiosk by the clock tower.", 24, "en-gb"),
                SpeechEvent("The bell in this tower was cast in seventeen ten, and it still rings every hour.", 31, "en-gb"),
                SpeechEvent("Watch out for cyclists here, the bike lanes are easy to miss.", 38, "en-gb"),
                SpeechEvent("Entry is free on the first Sunday of every month.", 43.8, "en-gb"),
                SpeechEvent("A boat trip round the harbour costs twelve pounds, and it leaves at noon.", 48.5, "en-gb"),
                SpeechEvent("At the fountain, turn left and follow the old tram tracks.", 55, "en-gb"),
                SpeechEvent("Fishing boats have landed their catch here for over four hundred years.", 65.5, "en-gb"),
                SpeechEvent("For lunch, skip the quay and eat at the Anchor Inn.", 72, "en-gb"),
                SpeechEvent("The Harbour Bridge opens for tall ships twice a day.", 78, "en-gb"),
                SpeechEvent("Keep an eye on your food, the seagulls here are fearless.", 84.5, "en-gb"),
                SpeechEvent("Thanks for walking with me, see you on the next tour.", 91.5, "en-gb")),
    ),
    # 100 s cycling-race broadcast ("Tour of the Northern Hills", stage 7): a title card, the
    # cyclist of bikes.mp4 as the lone leader (lower third), vtest.avi walkers as the roadside crowd,
    # a sponsor bug, a "km to go" corner box replaced twice (38, 21, 6), a gap caption shown three
    # times with a falling value (1:48, 0:52, 0:18), a CRASH band, an overall-standings panel (the
    # `weather` panel), weather at the finish and a stage-result card. Shots cut at 6, 20, 32, 44,
    # 54, 66, 78, 88 s (8 cuts). Two commentators, Peter (en-gb) and Claire (en-us+f3), restate some
    # graphics and say what none shows: where and when Vella attacked, that Moreno is okay, a question
    # each way with its answer and prediction, the headwind, no rain, his first win in four years,
    # Berg keeping the yellow jersey, tomorrow's start at ten. Held out: dev12.json is never tuned on.
    "race": ClipSpec(
        "race", 100.0, size=(854, 480),
        broll=(BrollShot(0, 6, color=(16, 58, 40)),
               BrollShot(6, 20, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(20, 32, "vtest.avi", 20.0, 30.0, (90, 100, 90)),
               BrollShot(32, 44, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(44, 54, color=(16, 58, 40)),
               BrollShot(54, 66, "bikes.mp4", 5.6, 7.4, (80, 80, 80)),
               BrollShot(66, 78, "vtest.avi", 50.0, 60.0, (90, 95, 100)),
               BrollShot(78, 88, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(88, 100, color=(248, 248, 244))),
        graphics=(Graphic("title", 0, 6, ("Tour of the Northern Hills", "Stage 7: Millbrook to Castle Peak, 168 km")),
                  Graphic("bug", 6, 88, ("FENWICK ENERGY",), (230, 120, 20)),
                  Graphic("corner", 6, 32, ("38 KM TO GO",), (20, 30, 60)),
                  Graphic("corner", 32, 66, ("21 KM TO GO",), (20, 30, 60)),
                  Graphic("corner", 66, 88, ("6 KM TO GO",), (20, 30, 60)),
                  Graphic("lower_third", 8, 15, ("Marco Vella", "Team Solaris"), (30, 90, 170)),
                  Graphic("caption", 21, 28, ("Gap to the chasers: 1:48",), (20, 20, 20)),
                  Graphic("breaking", 34, 41, ("CRASH", "Luis Moreno down on the descent"), (190, 20, 30)),
                  Graphic("weather", 45, 53, ("OVERALL STANDINGS", "1. Jonas Berg", "2. Marco Vella +0:22",
                                              "3. Luis Moreno +1:05"), (20, 60, 40)),
                  Graphic("caption", 56, 63, ("Gap to the chasers: 0:52",), (20, 20, 20)),
                  Graphic("weather", 68, 76, ("WEATHER AT THE FINISH", "Castle Peak: 16\u00b0C, cloudy"), (25, 60, 120)),
                  Graphic("caption", 79, 86, ("Gap to the chasers: 0:18",), (20, 20, 20)),
                  Graphic("slide", 88, 100, ("Stage 7 result", "1. Marco Vella, Team Solaris", "2. Jonas Berg, +0:09",
                                             "3. Pavel Novak, +0:15"), (30, 90, 170))),
        speech=(SpeechEvent("Good afternoon, and welcome to stage seven of the Tour of the Northern Hills.", 0.5, "en-gb"),
                SpeechEvent("Marco Vella is out on his own, and he looks very strong today.", 8, "en-us+f3"),
                SpeechEvent("He attacked on the Hollow Lane climb, fifty kilometres from the finish.", 14, "en-gb"),
                SpeechEvent("Look at the crowds, thousands of fans are lining the road.", 21, "en-us+f3"),
                SpeechEvent("The gap is one minute forty eight, and it is coming down.", 26, "en-gb"),
                SpeechEvent("Oh no, there has been a crash in the chasing group.", 33.5, "en-us+f3"),
                SpeechEvent("That is Luis Moreno. He is back on his bike, and he looks okay.", 38, "en-gb"),
                SpeechEvent("Peter, can Vella take the yellow jersey today?", 44.5, "en-us+f3"),
                SpeechEvent("He would need to gain twenty two seconds, and I do not think he will.", 49, "en-gb"),
                SpeechEvent("The gap is under a minute now.", 57, "en-us+f3"),
                SpeechEvent("There is a strong headwind on the final climb, and that hurts a rider alone.", 60.5, "en-gb"),
                SpeechEvent("It is sixteen degrees at the finish, and the rain has stayed away.", 68, "en-us+f3"),
                SpeechEvent("Claire, will he hold on?", 73.5, "en-gb"),
                SpeechEvent("Yes, I think Vella wins by a few seconds.", 76.3, "en-us+f3"),
                SpeechEvent("Eighteen seconds, with six kilometres to go!", 80.6, "en-us+f3"),
                SpeechEvent("This would be his first stage win in four years.", 85, "en-gb"),
                SpeechEvent("Vella wins the stage! But Jonas Berg keeps the yellow jersey.", 89, "en-us+f3"),
                SpeechEvent("Stage eight starts tomorrow at ten o'clock.", 94.5, "en-gb")),
    ),
    # 100 s city council meeting livestream (Riverton City Council, 10 March 2026): a title card with
    # the chair's lower third, a full-frame agenda (four numbered items), an "ITEM 2" chapter band over
    # the Mill Park path (vtest.avi) with a place caption, the councillor at the podium
    # (carphone_pristine.mp4) named by a lower third, a vote-result panel (the `weather` panel), an
    # "ITEM 3" band over downtown at night (cityCC0.mpg), public comment on a plain card with a
    # speaker's lower third and a time-left box (`corner`) replaced twice (2:00, 1:00, 0:20), a LIVE
    # bug and a ticker with the next meeting, and an "adjourned" end card. Shots cut at 8, 18, 28, 48,
    # 56, 64, 72, 91 s (8 cuts). Three voices: the chair, Mayor Brooks (en-us+f3), Councillor Osei
    # (en-gb) and the resident Frank Mills (en-us); they restate some graphics and say what none shows:
    # all nine councillors present, the February minutes, forty-two complaints, the $85,000 cost from
    # the parks budget, who moved the motion, lights by the end of May, item 3 postponed, hourly
    # buses, a bus stop outside the library, adjourned at 7:40. Held out: dev13.json is never tuned on.
    "council": ClipSpec(
        "council", 100.0, size=(854, 480),
        broll=(BrollShot(0, 8, color=(18, 30, 58)),
               BrollShot(8, 18, color=(248, 248, 244)),
               BrollShot(18, 28, "vtest.avi", 20.0, 30.0, (90, 100, 90)),
               BrollShot(28, 48, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(48, 56, "vtest.avi", 50.0, 60.0, (90, 95, 100)),
               BrollShot(56, 64, color=(18, 30, 58)),
               BrollShot(64, 72, "cityCC0.mpg", 0.2, 5.0, (30, 35, 60)),
               BrollShot(72, 91, color=(40, 44, 52)),
               BrollShot(91, 100, color=(18, 30, 58))),
        graphics=(Graphic("title", 0, 8, ("Riverton City Council", "Regular Meeting \u00b7 City Hall \u00b7 10 March 2026")),
                  Graphic("lower_third", 2, 7.5, ("Mayor Helen Brooks", "Chair"), (130, 30, 50)),
                  Graphic("slide", 8, 18, ("Tonight's agenda", "1. Approval of minutes", "2. Mill Park path lighting",
                                           "3. Downtown parking fees", "4. Public comment"), (30, 60, 120)),
                  Graphic("bug", 8, 91, ("\u25cf LIVE",), (200, 30, 40)),  # after the slide: drawn on top of it
                  Graphic("ticker", 8, 91, ("Next meeting: Tuesday 24 March at 6 pm",
                                            "Agendas online at riverton.gov/council"), (20, 30, 60)),
                  Graphic("chapter", 18.5, 24, ("ITEM 2 \u2013 Mill Park path lighting",), (30, 60, 120)),
                  Graphic("caption", 24.5, 27.5, ("Mill Park, east entrance",), (20, 20, 20)),
                  Graphic("lower_third", 29, 36, ("Councillor David Osei", "Ward 3"), (30, 120, 60)),
                  Graphic("weather", 56.5, 63.5, ("VOTE RESULT \u2013 ITEM 2", "In favour: 7", "Against: 2",
                                                  "MOTION CARRIED"), (30, 60, 120)),
                  Graphic("chapter", 64.5, 70, ("ITEM 3 \u2013 Downtown parking fees",), (30, 60, 120)),
                  Graphic("chapter", 72.5, 90.5, ("PUBLIC COMMENT",), (30, 60, 120)),
                  Graphic("lower_third", 78, 85, ("Frank Mills", "Resident, Elm Street"), (200, 110, 20)),
                  Graphic("corner", 72.5, 78.5, ("TIME LEFT 2:00",), (20, 30, 60)),
                  Graphic("corner", 78.5, 84.5, ("TIME LEFT 1:00",), (20, 30, 60)),
                  Graphic("corner", 84.5, 90.5, ("TIME LEFT 0:20",), (20, 30, 60)),
                  Graphic("title", 91, 100, ("Meeting adjourned", "Next meeting: Tuesday 24 March, 6 pm"))),
        speech=(SpeechEvent("Good evening, everyone. I call this meeting of the city council to order.", 1, "en-us+f3"),
                SpeechEvent("All nine councillors are here tonight, so we have a quorum.", 8.5, "en-us+f3"),
                SpeechEvent("The minutes of the February meeting are approved.", 13.5, "en-us+f3"),
                SpeechEvent("Item two is new lighting for the footpath through Mill Park.", 19, "en-us+f3"),
                SpeechEvent("Councillor Osei, you have the floor.", 28.5, "en-us+f3"),
                SpeechEvent("Thank you. Residents sent us forty two complaints about the dark path.", 32, "en-gb"),
                SpeechEvent("And what would the new lights cost?", 38.5, "en-us+f3"),
                SpeechEvent("About eighty five thousand dollars, from the parks budget.", 41.5, "en-gb"),
                SpeechEvent("I move that we approve the lighting plan.", 46.3, "en-gb"),
                SpeechEvent("The motion has a second. Please cast your votes.", 49.8, "en-us+f3"),
                SpeechEvent("The motion passes, seven votes to two.", 57, "en-us+f3"),
                SpeechEvent("The new lights should be up by the end of May.", 61, "en-us+f3"),
                SpeechEvent("Item three, on parking fees, is postponed until our next meeting.", 65, "en-us+f3"),
                SpeechEvent("We now open public comment. Each speaker gets two minutes.", 72.8, "en-us+f3"),
                SpeechEvent("The buses on Elm Street only come once an hour.", 78.5, "en-us"),
                SpeechEvent("Please add a bus stop outside the library.", 83, "en-us"),
                SpeechEvent("Thank you, Mister Mills. We will look into it.", 86.8, "en-us+f3"),
                SpeechEvent("With no further business, we are adjourned at seven forty.", 91.5, "en-us+f3"),
                SpeechEvent("Good night, everyone.", 96.3, "en-us+f3")),
    ),
    # 100 s building-security monitoring feed (Northfield campus, control room): real footage as the
    # cameras' picture (vtest.avi as CAM 01 on the main entrance path, bikes.mp4 as CAM 04 at the north
    # gate and CAM 05 at the bike shelter), a CCTV date/time stamp (the clock with its date line, top
    # left), the camera's name bottom-left (a one-line lower third, replaced at each switch), a car-park
    # counter (the bug, top right) replaced twice (46, 38, 21 free), three event bands (the `breaking`
    # band with its own label: a door alarm, an expected delivery, lost property) and a visitor-log panel
    # (the `weather` panel: a header and three lines). Shots cut at 26, 40, 66, 78 s (4 cuts). Radio
    # talk between the control-room operator (en-us+f3, call sign "Control") and the guard Marcus
    # (en-gb): they restate some graphics and say what none shows: the cleaner's box, the staff car
    # park on Mill Road, Parcel Express, Priya Shah waiting in the lobby, the bike-shelter gate, the
    # lock fixed tomorrow, his break at three and Jenny until ten, the student's laptop. Held out:
    # dev14.json is never tuned on.
    "security": ClipSpec(
        "security", 100.0, size=(854, 480),
        broll=(BrollShot(0, 26, "vtest.avi", 0.0, 26.0, (90, 100, 90)),
               BrollShot(26, 40, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(40, 66, "vtest.avi", 40.0, 66.0, (90, 95, 100)),
               BrollShot(66, 78, "bikes.mp4", 5.6, 7.4, (80, 80, 80)),
               BrollShot(78, 100, "vtest.avi", 57.0, 79.0, (90, 95, 100))),
        graphics=(Graphic("clock", 0, 100, ("14:05:20", "18/03/2026"), (15, 15, 20)),
                  Graphic("lower_third", 0, 26, ("CAM 01 \u00b7 MAIN ENTRANCE",), (15, 15, 20)),
                  Graphic("lower_third", 26, 40, ("CAM 04 \u00b7 NORTH GATE",), (15, 15, 20)),
                  Graphic("lower_third", 40, 66, ("CAM 01 \u00b7 MAIN ENTRANCE",), (15, 15, 20)),
                  Graphic("lower_third", 66, 78, ("CAM 05 \u00b7 BIKE SHELTER",), (15, 15, 20)),
                  Graphic("lower_third", 78, 100, ("CAM 01 \u00b7 MAIN ENTRANCE",), (15, 15, 20)),
                  Graphic("bug", 0, 32, ("CAR PARK B: 46 FREE",), (30, 120, 60)),
                  Graphic("bug", 32, 70, ("CAR PARK B: 38 FREE",), (30, 120, 60)),
                  Graphic("bug", 70, 100, ("CAR PARK B: 21 FREE",), (30, 120, 60)),
                  Graphic("breaking", 9, 16, ("DOOR ALARM", "Door 3B held open - East Wing"), (190, 20, 30)),
                  Graphic("breaking", 44, 51, ("DELIVERY", "Expected 14:30 at Loading Bay 2"), (30, 80, 160)),
                  Graphic("weather", 56, 64, ("VISITOR LOG", "13:48 Priya Shah - Room 214", "13:55 Tom Becker - IT",
                                              "14:02 Anna Kowalski - HR"), (30, 40, 60)),
                  Graphic("breaking", 82, 89, ("LOST PROPERTY", "Black backpack at reception"), (200, 110, 20))),
        speech=(SpeechEvent("Control to Marcus, radio check, over.", 0.8, "en-us+f3"),
                SpeechEvent("Marcus here, loud and clear. I am at the main entrance.", 5.3, "en-gb"),
                SpeechEvent("The alarm on door three B is going off in the east wing.", 10.8, "en-us+f3"),
                SpeechEvent("Copy that, heading there now. I will be two minutes.", 16.2, "en-gb"),
                SpeechEvent("Door three B is shut now. A cleaner had propped it open with a box.", 27, "en-gb"),
                SpeechEvent("Good. Car park B is filling up, only thirty eight spaces left.", 33.8, "en-us+f3"),
                SpeechEvent("I will send the overflow to the staff car park on Mill Road.", 40.2, "en-gb"),
                SpeechEvent("A van from Parcel Express is due at half past two, at loading bay two.", 45.5, "en-us+f3"),
                SpeechEvent("Understood. I will meet the driver there.", 52.5, "en-gb"),
                SpeechEvent("Three visitors have signed in since lunch.", 57, "en-us+f3"),
                SpeechEvent("Priya Shah is waiting in the lobby for her escort.", 61, "en-us+f3"),
                SpeechEvent("Control, the bike shelter gate is unlocked again.", 66.3, "en-gb"),
                SpeechEvent("I will ask maintenance to fix the lock tomorrow morning.", 71, "en-us+f3"),
                SpeechEvent("My break is at three o'clock, and Jenny takes over until ten.", 75.6, "en-gb"),
                SpeechEvent("Someone handed in a black backpack at reception.", 82.5, "en-us+f3"),
                SpeechEvent("It might belong to the student who called about a lost laptop.", 86.6, "en-gb"),
                SpeechEvent("Okay. Walk the car park once more before your break.", 91.9, "en-us+f3"),
                SpeechEvent("Will do. Marcus out.", 97.1, "en-gb")),
    ),
    # 100 s live CCTV feed from a railway station (Kingsbridge Central, 21/03/2026): real footage as the
    # cameras' picture (vtest.avi as CAM 2 on the main concourse, bikes.mp4 as CAM 6 at the front entrance
    # and CAM 7 at the cycle park), the clock with its date line (top left), a bug naming the station (top
    # right), a one-line lower third naming the camera (replaced at each switch; one line, so the board's
    # panel never covers it), a fare/website ticker, a departures board (the `weather` panel: a header and
    # three lines) shown twice, changed the second time (the 14:10 to Leeds expected 14:22, the 14:25 to
    # York moved from platform 2 to 5), and
    # two alert bands (`breaking` with its own label: the platform 3 lift out of order, a lost child). Shots
    # cut at 30, 42, 68, 80 s (4 cuts). Three voices: PA announcements (en-gb), the station supervisor on
    # the radio (en-us+f3, call sign "Control") and the platform assistant Kevin (en-us); they restate some
    # graphics and say what none shows: Kevin by the ticket machines, the lift engineer Tony Walsh by half
    # past three, twenty people queueing at the ticket office, a signal fault at Wakefield, coffee spilled
    # by the stairs to platform one, the child's name Oliver, found in the platform 2 waiting room, the
    # information desk. Held out: dev15.json is never tuned on.
    "station": ClipSpec(
        "station", 100.0, size=(854, 480),
        broll=(BrollShot(0, 30, "vtest.avi", 0.0, 30.0, (90, 100, 90)),
               BrollShot(30, 42, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(42, 68, "vtest.avi", 35.0, 61.0, (90, 95, 100)),
               BrollShot(68, 80, "bikes.mp4", 5.6, 7.4, (80, 80, 80)),
               BrollShot(80, 100, "vtest.avi", 59.0, 79.0, (90, 95, 100))),
        graphics=(Graphic("clock", 0, 100, ("14:03:40", "21/03/2026"), (15, 15, 20)),
                  Graphic("bug", 0, 100, ("KINGSBRIDGE CENTRAL \u25cf LIVE",), (200, 30, 40)),
                  Graphic("lower_third", 0, 30, ("CAM 2 \u00b7 MAIN CONCOURSE",), (15, 15, 20)),
                  Graphic("lower_third", 30, 42, ("CAM 6 \u00b7 FRONT ENTRANCE",), (15, 15, 20)),
                  Graphic("lower_third", 42, 68, ("CAM 2 \u00b7 MAIN CONCOURSE",), (15, 15, 20)),
                  Graphic("lower_third", 68, 80, ("CAM 7 \u00b7 CYCLE PARK",), (15, 15, 20)),
                  Graphic("lower_third", 80, 100, ("CAM 2 \u00b7 MAIN CONCOURSE",), (15, 15, 20)),
                  Graphic("ticker", 4, 100, ("Off-peak single to York: \u00a312.60", "Times and tickets at kingsbridgerail.co.uk",
                                             "No smoking anywhere in the station"), (20, 30, 60)),
                  Graphic("weather", 13, 23, ("DEPARTURES", "14:10 Leeds   Plat 4   On time", "14:25 York   Plat 2   On time",
                                              "14:40 Hull   Plat 6   On time"), (20, 30, 70)),
                  Graphic("breaking", 27, 34, ("LIFT OUT OF ORDER", "Platform 3 lift - use the ramp by Gate B"), (200, 110, 20)),
                  Graphic("weather", 55, 64, ("DEPARTURES", "14:10 Leeds   Plat 4   Exp 14:22", "14:25 York   Plat 5   On time",
                                              "14:40 Hull   Plat 6   On time"), (20, 30, 70)),
                  Graphic("breaking", 81, 88, ("LOST CHILD", "Boy, 6, blue coat - last seen at Platform 2"), (190, 20, 30))),
        speech=(SpeechEvent("Good afternoon, and welcome to Kingsbridge Central.", 0.8, "en-gb"),
                SpeechEvent("Control to Kevin, are you on the concourse?", 5.7, "en-us+f3"),
                SpeechEvent("Yes, I am by the ticket machines near the main doors.", 9.9, "en-us"),
                SpeechEvent("The fourteen ten service to Leeds will depart from platform four.", 15.0, "en-gb"),
                SpeechEvent("Kevin, the lift on platform three has stopped working again.", 20.7, "en-us+f3"),
                SpeechEvent("Okay, I will tape it off and phone the lift engineer.", 26.5, "en-us"),
                SpeechEvent("For step free access to platform three, please use the ramp by gate B.", 32.0, "en-gb"),
                SpeechEvent("The engineer, Tony Walsh, says he can be here by half past three.", 38.1, "en-us+f3"),
                SpeechEvent("There is a long queue at the ticket office, about twenty people.", 44.6, "en-us"),
                SpeechEvent("The Leeds train is running twelve minutes late, because of a signal fault at Wakefield.",
                            50.2, "en-us+f3"),
                SpeechEvent("The fourteen twenty five to York will now leave from platform five.", 57.3, "en-gb"),
                SpeechEvent("Someone has spilled coffee by the stairs to platform one.", 63.5, "en-us+f3"),
                SpeechEvent("I am out at the cycle park, checking the gate.", 69.0, "en-us"),
                SpeechEvent("Kevin, come back inside please, we have a lost child.", 74.0, "en-us+f3"),
                SpeechEvent("His name is Oliver, he is six, and he is wearing a blue coat.", 80.0, "en-us+f3"),
                SpeechEvent("Found him. He was sitting in the waiting room on platform two.", 86.0, "en-us"),
                SpeechEvent("Would the family of Oliver please come to the information desk.", 92.5, "en-gb")),
    ),
    # 100 s local-TV morning traffic livestream (Westbury Traffic Live on City 7): a title card in the
    # studio, then real footage as the traffic cameras' picture (bikes.mp4 as CAM 14 on King Street and
    # CAM 22 on the A40 Western Avenue, vtest.avi as CAM 09 at the Station Road crossing and CAM 05 on
    # Bridge Street) and the travel reporter in his car (carphone_pristine.mp4, a two-line lower third);
    # a clock (07:42, 07:43 from 58 s), a CITY 7 TRAVEL bug, a one-line lower third naming each camera, a
    # ticker with the travel website, the traffic-line phone number and park and ride, two `breaking` bands
    # (the A40 crash, then a burst water main on Bridge Street) and a journey-times panel (the `weather`
    # panel) shown twice, changed the second time (A40 35 -> 55 min, Ring Road 12 -> 18 min). Shots cut at
    # 8, 30, 48, 70, 84 s (5 cuts). Three voices: the presenter Laura Bennett (en-us+f3), the reporter Jake
    # Morris (en-gb) and a caller, the bus driver Raj (en-us); they restate some graphics and say what none
    # shows: the presenter's name, two cars and a van, the drivers okay, the queue back to Greenford
    # roundabout (two miles), the North Circular diversion, the tow truck by eight fifteen, take the train,
    # the number twelve bus twenty minutes late, the repair until this afternoon, the next update at eight.
    # Held out: dev16.json is never tuned on.
    "traffic": ClipSpec(
        "traffic", 100.0, size=(854, 480),
        broll=(BrollShot(0, 8, color=(16, 28, 60)),
               BrollShot(8, 30, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(30, 48, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(48, 70, "vtest.avi", 35.0, 57.0, (90, 95, 100)),
               BrollShot(70, 84, "bikes.mp4", 5.6, 7.4, (80, 80, 80)),
               BrollShot(84, 100, "vtest.avi", 0.0, 16.0, (90, 100, 90))),
        graphics=(Graphic("title", 0, 7.5, ("Westbury Traffic Live", "Weekday mornings on City 7")),
                  Graphic("clock", 8, 100, ("07:42:10",), (20, 30, 60)),
                  Graphic("bug", 8, 100, ("CITY 7 TRAVEL",), (230, 120, 20)),
                  Graphic("ticker", 8, 100, ("Travel updates at city7.co.uk/travel", "Traffic line: 0800 555 0199",
                                             "Park and ride buses every 10 minutes"), (20, 30, 60)),
                  Graphic("lower_third", 8, 30, ("CAM 14 \u00b7 KING STREET",), (15, 15, 20)),
                  Graphic("breaking", 13, 21, ("BREAKING", "A40 closed eastbound after crash at Oakfield"), (190, 20, 30)),
                  Graphic("weather", 22, 29.5, ("JOURNEY TIMES", "A40 to city centre: 35 min", "Ring Road: 12 min",
                                                "M4 J3 to J5: 8 min"), (20, 30, 70)),
                  Graphic("lower_third", 31, 47, ("Jake Morris", "Travel Reporter, on the A40"), (190, 20, 30)),
                  Graphic("lower_third", 48, 70, ("CAM 09 \u00b7 STATION ROAD CROSSING",), (15, 15, 20)),
                  Graphic("weather", 62, 70, ("JOURNEY TIMES", "A40 to city centre: 55 min", "Ring Road: 18 min",
                                              "M4 J3 to J5: 8 min"), (20, 30, 70)),
                  Graphic("lower_third", 70, 84, ("CAM 22 \u00b7 A40 WESTERN AVENUE",), (15, 15, 20)),
                  Graphic("lower_third", 84, 100, ("CAM 05 \u00b7 BRIDGE STREET",), (15, 15, 20)),
                  Graphic("breaking", 86, 93, ("ROAD CLOSED", "Burst water main - Bridge Street shut"), (200, 110, 20))),
        speech=(SpeechEvent("Good morning, I'm Laura Bennett, and this is your travel news.", 0.8, "en-us+f3"),
                SpeechEvent("We start on King Street, where it is busy but moving.", 7.5, "en-us+f3"),
                SpeechEvent("Breaking news: the A40 is closed eastbound after a crash at Oakfield.", 13.2, "en-us+f3"),
                SpeechEvent("Two cars and a van were involved, and the drivers are all okay.", 20.0, "en-us+f3"),
                SpeechEvent("Journey times across the city are going up.", 25.9, "en-us+f3"),
                SpeechEvent("Let's go to Jake Morris, who is on the A40 right now. Jake?", 31.0, "en-us+f3"),
                SpeechEvent("Morning Laura. The queue goes back to the Greenford roundabout, about two miles.", 37.1, "en-gb"),
                SpeechEvent("Police are sending drivers along the North Circular instead.", 44.3, "en-gb"),
                SpeechEvent("The tow truck should be here by eight fifteen, so take the train if you can.", 49.3, "en-gb"),
                SpeechEvent("Thanks Jake. On the phone is Raj, who drives the number twelve bus.", 55.8, "en-us+f3"),
                SpeechEvent("Hi Laura. My bus is running twenty minutes late because of the diversion.", 62.3, "en-us"),
                SpeechEvent("The journey time on the A40 is now fifty five minutes, so please avoid it.", 68.8, "en-us+f3"),
                SpeechEvent("Here is the A40 at Western Avenue, where traffic is moving slowly.", 75.3, "en-us+f3"),
                SpeechEvent("And another problem: a burst water main has shut Bridge Street.", 84.3, "en-us+f3"),
                SpeechEvent("The water company says the repair will take until this afternoon.", 90.1, "en-gb"),
                SpeechEvent("Next update at eight. Drive safely.", 96.0, "en-us+f3")),
    ),
    # 100 s recorded product-launch webinar (Brightline 3.0, Thursday 9 April 2026): six slides with their
    # numbers (title, what's new, pricing, poll results, launch-week offer, thank you), the CEO Ethan Cole on
    # his webcam (carphone_pristine.mp4, a two-line lower third) at 7-17 s and for the Q&A at 74-86 s, the
    # guest Amara Singh with her camera off (a plain tile and a two-line lower third) at 37-49 s, B-roll of
    # real footage with caption bands (vtest.avi as the customer's Rotterdam HQ, cityCC0.mpg under "2,300
    # teams in 40 countries", bikes.mp4 under the offline-mode caption), a live viewer count (the `bug`:
    # 1,204 -> 1,296 -> 1,387 watching) on the webcam and guest shots, and a price that changes between
    # two slides (team plan $12 on the pricing slide, $9 with code EARLY25 on the offer slide). Shots cut
    # at 7, 17, 27, 32, 37, 49, 57, 66, 74, 86, 93 s. Three voices: Ethan (en-us), Amara (en-gb+f4) and an
    # audience member, Lena from Oakridge Dental (en-us+f3); they restate some slides and say what none
    # shows: the kitchen six years ago, forty people and eighteen months, the most requested feature, two
    # hundred vans in the Netherlands, two days to three hours, the mobile app in June, import from Excel
    # or Trello, the recording emailed tomorrow. Shown, never said: the date, the roles, Rotterdam, 2,300
    # teams, 3x faster sync, the business plan, the poll percentages, the code, the web address, the email.
    # Held out: dev17.json is never tuned on.
    "webinar": ClipSpec(
        "webinar", 100.0, size=(854, 480),
        broll=(BrollShot(0, 7, color=(248, 248, 244)),
               BrollShot(7, 17, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(17, 27, color=(248, 248, 244)),
               BrollShot(27, 32, "vtest.avi", 44.0, 49.0, (90, 95, 100)),
               BrollShot(32, 37, "cityCC0.mpg", 0.2, 5.0, (30, 35, 60)),
               BrollShot(37, 49, color=(36, 48, 72)),
               BrollShot(49, 57, "bikes.mp4", 5.6, 7.4, (80, 80, 80)),
               BrollShot(57, 74, color=(248, 248, 244)),
               BrollShot(74, 86, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(86, 100, color=(248, 248, 244))),
        graphics=(
            *_slide(0, 7, 1, 6, ("Brightline 3.0 Launch", "Live product webinar", "Thursday 9 April 2026",
                                 "Hosted by Brightline Software"), (230, 120, 30)),
            Graphic("lower_third", 8, 15, ("Ethan Cole", "CEO & Co-founder, Brightline"), (230, 120, 30)),
            Graphic("bug", 7, 17, ("LIVE \u00b7 1,204 watching",), (200, 30, 40)),
            *_slide(17, 27, 2, 6, ("What's new in 3.0", "- Smart scheduling", "- Offline mode", "- Team chat",
                                   "- 3x faster sync"), (230, 120, 30)),
            Graphic("caption", 28, 32, ("Northwind Logistics HQ, Rotterdam",), (20, 20, 20)),
            Graphic("caption", 33, 36.5, ("Used by 2,300 teams in 40 countries",), (20, 20, 20)),
            Graphic("lower_third", 38, 46, ("Amara Singh", "Operations Director, Northwind Logistics"), (30, 120, 110)),
            Graphic("bug", 37, 49, ("LIVE \u00b7 1,296 watching",), (200, 30, 40)),
            Graphic("caption", 50, 56, ("Offline mode: plan routes with no signal",), (20, 20, 20)),
            *_slide(57, 66, 3, 6, ("Pricing", "- Free: $0 for up to 3 users", "- Team: $12 per user / month",
                                   "- Business: $24 per user / month", "Billed yearly"), (230, 120, 30)),
            *_slide(66, 74, 4, 6, ("Poll results", "Which feature will you use most?", "- Smart scheduling: 46%",
                                   "- Offline mode: 31%", "- Team chat: 23%", "412 votes"), (230, 120, 30)),
            Graphic("lower_third", 74.5, 84, ("Audience Q&A",), (150, 60, 30)),
            Graphic("bug", 74, 86, ("LIVE \u00b7 1,387 watching",), (200, 30, 40)),
            *_slide(86, 93, 5, 6, ("Launch week offer", "- Team plan: $9 per user / month", "- Code: EARLY25 at checkout",
                                   "- Offer ends 16 April 2026"), (200, 40, 60)),
            *_slide(93, 100, 6, 6, ("Thank you!", "Start free at brightline.io/launch",
                                    "Questions: hello@brightline.io"), (230, 120, 30))),
        speech=(SpeechEvent("Hi everyone, and welcome to the Brightline three point oh launch.", 0.8, "en-us"),
                SpeechEvent("I'm Ethan Cole. I started Brightline six years ago in my kitchen.", 7.6, "en-us"),
                SpeechEvent("Our team of forty people spent eighteen months on this release.", 13.6, "en-us"),
                SpeechEvent("There are three big features: smart scheduling, offline mode, and team chat.", 19.2, "en-us"),
                SpeechEvent("Offline mode was the most requested feature from our users.", 26.3, "en-us"),
                SpeechEvent("Let me bring in one of our first customers, Amara Singh.", 31.3, "en-us"),
                SpeechEvent("Thanks Ethan. We run two hundred delivery vans across the Netherlands.", 38.2, "en-gb+f4"),
                SpeechEvent("Smart scheduling cut our planning time from two days to three hours.", 44.4, "en-gb+f4"),
                SpeechEvent("Our drivers use offline mode when they lose signal on the road.", 50.6, "en-gb+f4"),
                SpeechEvent("Now for pricing. The free plan stays free.", 57.4, "en-us"),
                SpeechEvent("The team plan is twelve dollars per user a month.", 61.6, "en-us"),
                SpeechEvent("Most of you voted for smart scheduling in our poll.", 66.6, "en-us"),
                SpeechEvent("And the new mobile app arrives in June.", 71.0, "en-us"),
                SpeechEvent("Hi, I'm Lena from Oakridge Dental. Can we import our projects from spreadsheets?", 74.6,
                            "en-us+f3"),
                SpeechEvent("Yes, you can import from Excel or Trello in one click.", 81.8, "en-us"),
                SpeechEvent("For launch week, the team plan is just nine dollars, with the code on screen.", 87.0, "en-us"),
                SpeechEvent("The recording will be emailed to you tomorrow. Thanks for joining!", 93.8, "en-us")),
    ),
    # 100 s recorded online fitness class (Full-Body HIIT Live, IronPulse Studio, Sat 16 May 2026): a title
    # card, the head coach Jordan Blake on his webcam (carphone_pristine.mp4, a two-line lower third) at
    # 6-16 s, a full-frame workout plan (a `slide`: four rounds and the $39 membership), "the class" as
    # real footage (vtest.avi at 26-40, 46-60 and 72-84 s; bikes.mp4 for the last round at 84-92 s), each
    # round named by a band (`breaking` with its own "ROUND n OF 4" label), a work/rest countdown (the
    # `corner` box, replaced as it changes), a calories counter (the `bug`: 48 -> 96 -> 151 -> 203), the
    # second coach Sofia Marin's lower third, a run-club caption over city B-roll (cityCC0.mpg), an
    # injury-safety caption, a member call-in on a plain tile (a one-line lower third), a leaderboard (the
    # `weather` panel) shown twice, changed the second time (Maya R. 212 first, then Sam T. 305 first), and
    # an end card with the first-month price ($19, was $39 on the plan), a code and the web address. Shots
    # cut at 6, 16, 26, 40, 46, 60, 72, 84, 92 s (9 cuts). Three voices: Jordan (en-us), Sofia (en-gb+f4)
    # and the member Beth from Toronto (en-us+f3); they restate some graphics and say what none shows: ten
    # years coaching, a mat and water, the five-minute stretch, breathing out, knees in line with the toes,
    # twenty squats, half squats, the sore shoulder, a plank on the knees, hips low, yoga on Monday. Shown,
    # never said: the date, the roles, the studio, the $39 and $19 prices, the run club, the safety caption,
    # the calories, the leaderboard, the code and the web address. Held out: dev18.json is never tuned on.
    "fitness": ClipSpec(
        "fitness", 100.0, size=(854, 480),
        broll=(BrollShot(0, 6, color=(22, 22, 30)),
               BrollShot(6, 16, "carphone_pristine.mp4", 0.0, 3.95, (70, 70, 80)),
               BrollShot(16, 26, color=(248, 248, 244)),
               BrollShot(26, 40, "vtest.avi", 20.0, 34.0, (90, 100, 90)),
               BrollShot(40, 46, "cityCC0.mpg", 0.2, 5.0, (30, 35, 60)),
               BrollShot(46, 60, "vtest.avi", 44.0, 58.0, (90, 95, 100)),
               BrollShot(60, 72, color=(36, 48, 72)),
               BrollShot(72, 84, "vtest.avi", 0.0, 12.0, (90, 100, 90)),
               BrollShot(84, 92, "bikes.mp4", 3.2, 5.3, (80, 70, 60)),
               BrollShot(92, 100, color=(22, 22, 30))),
        graphics=(Graphic("title", 0, 6, ("Full-Body HIIT Live", "with Coach Jordan Blake \u00b7 Sat 16 May 2026")),
                  Graphic("lower_third", 7, 14.5, ("Jordan Blake", "Head Coach, IronPulse Studio"), (230, 90, 30)),
                  Graphic("slide", 16, 26, ("Today's workout", "- Round 1: Jumping jacks", "- Round 2: Squats",
                                            "- Round 3: Push-ups", "- Round 4: Mountain climbers",
                                            "Members $39 / month \u00b7 first class free"), (230, 90, 30)),
                  Graphic("breaking", 26.5, 33, ("ROUND 1 OF 4", "Jumping Jacks"), (230, 90, 30)),
                  Graphic("corner", 26, 30, ("WORK 0:40",), (30, 140, 60)),
                  Graphic("corner", 30, 34, ("WORK 0:20",), (30, 140, 60)),
                  Graphic("corner", 34, 37, ("REST 0:20",), (40, 80, 170)),
                  Graphic("corner", 37, 40, ("REST 0:05",), (40, 80, 170)),
                  Graphic("bug", 26, 40, ("CALORIES: 48",), (200, 40, 40)),
                  Graphic("lower_third", 34.5, 39.5, ("Sofia Marin", "Coach, Form & Mobility"), (30, 120, 110)),
                  Graphic("caption", 41, 45.5, ("Outdoor run club \u00b7 Thursdays 6 pm",), (20, 20, 20)),
                  Graphic("breaking", 46.5, 53, ("ROUND 2 OF 4", "Squats"), (230, 90, 30)),
                  Graphic("corner", 46, 50, ("WORK 0:40",), (30, 140, 60)),
                  Graphic("corner", 50, 55, ("WORK 0:15",), (30, 140, 60)),
                  Graphic("corner", 55, 60, ("REST 0:20",), (40, 80, 170)),
                  Graphic("bug", 46, 60, ("CALORIES: 96",), (200, 40, 40)),
                  Graphic("caption", 53.5, 59.5, ("Sharp pain? Stop and rest.",), (150, 20, 30)),
                  Graphic("lower_third", 60.5, 71.5, ("MEMBER QUESTION \u00b7 CALL-IN",), (150, 60, 30)),
                  Graphic("weather", 62, 70, ("LEADERBOARD", "1. Maya R.  212 cal", "2. Sam T.  198 cal",
                                              "3. Leo P.  187 cal"), (30, 30, 40)),
                  Graphic("breaking", 72.5, 79, ("ROUND 3 OF 4", "Push-ups"), (230, 90, 30)),
                  Graphic("corner", 72, 78, ("WORK 0:40",), (30, 140, 60)),
                  Graphic("corner", 78, 84, ("REST 0:20",), (40, 80, 170)),
                  Graphic("bug", 72, 84, ("CALORIES: 151",), (200, 40, 40)),
                  Graphic("breaking", 84.5, 88, ("ROUND 4 OF 4", "Mountain Climbers"), (230, 90, 30)),
                  Graphic("corner", 84, 88, ("WORK 0:40",), (30, 140, 60)),
                  Graphic("corner", 88, 92, ("WORK 0:10",), (30, 140, 60)),
                  Graphic("bug", 84, 92, ("CALORIES: 203",), (200, 40, 40)),
                  Graphic("weather", 88, 92, ("LEADERBOARD", "1. Sam T.  305 cal", "2. Maya R.  298 cal",
                                              "3. Leo P.  260 cal"), (30, 30, 40)),
                  Graphic("title", 92, 100, ("First month just $19", "Code SWEAT19 at ironpulse.fit/join")),
                  Graphic("lower_third", 93, 99.5, ("Next live class: Monday 7:00 am",), (230, 90, 30))),
        speech=(SpeechEvent("Good morning, and welcome to Saturday HIIT at IronPulse.", 0.8, "en-us"),
                SpeechEvent("I'm Jordan, and I have been coaching for ten years.", 6.8, "en-us"),
                SpeechEvent("Grab a mat and a bottle of water before we start.", 11.5, "en-us"),
                SpeechEvent("We have four rounds today, forty seconds of work and twenty seconds of rest.", 16.6, "en-us"),
                SpeechEvent("We finish with a five minute stretch.", 23.5, "en-us"),
                SpeechEvent("Round one, jumping jacks. Keep your arms high!", 27.0, "en-us"),
                SpeechEvent("Sofia is here to check your form.", 32.2, "en-us"),
                SpeechEvent("Hi everyone. Breathe out on the hard part.", 35.6, "en-gb+f4"),
                SpeechEvent("Take a sip of water. Round two starts in ten seconds.", 40.8, "en-us"),
                SpeechEvent("Squats now. Keep your knees in line with your toes.", 46.6, "en-gb+f4"),
                SpeechEvent("Try for twenty squats in each round.", 51.2, "en-us"),
                SpeechEvent("If your knees hurt, do half squats instead.", 54.9, "en-gb+f4"),
                SpeechEvent("Hi Jordan, it's Beth from Toronto. My shoulder hurts. What can I do instead of push-ups?",
                            60.8, "en-us+f3"),
                SpeechEvent("Hold a plank on your knees, and skip anything that hurts.", 69.7, "en-us"),
                SpeechEvent("Round three, push-ups. Chest all the way to the floor.", 75.0, "en-us"),
                SpeechEvent("Rest now, shake out your arms.", 80.6, "en-us"),
                SpeechEvent("Last round, mountain climbers. Keep your hips low.", 84.6, "en-gb+f4"),
                SpeechEvent("Ten seconds left, push!", 89.9, "en-us"),
                SpeechEvent("That's the class! Stretch with me, and see you Monday for yoga.", 93.6, "en-us")),
    ),
}


def cache_dir() -> Path:
    """$VSTREAM_QA_CACHE, else $XDG_CACHE_HOME/vstream/qaclips, else ~/.cache/vstream/qaclips."""
    if env := os.environ.get("VSTREAM_QA_CACHE"):
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "vstream" / "qaclips"


def build(name: str, cache: Path | None = None) -> Path:
    """The clip's path, generated into the cache on first use (atomic: a temp file, then rename)."""
    spec = CLIPS.get(name)
    if spec is None:
        raise VStreamError(f"unknown generated clip gen:{name}; known: {', '.join(sorted(CLIPS))}")
    cache = cache or cache_dir()
    mode = ("-real" if _vtest().is_file() else "-drawn") if spec.people or spec.scene_background else ""
    path = cache / f"{name}-{spec.key()}{mode}.mp4"
    if path.is_file():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.mp4")
    write_clip(spec, tmp)
    tmp.replace(path)
    return path


def write_clip(spec: ClipSpec, path: Path) -> Path:
    import av

    audio = synth_audio(spec)
    script = SceneScript(spec.duration, spec.fps, spec.size, list(spec.segments), list(spec.texts), list(spec.shapes))
    painter = ExplainerPainter(spec) if spec.broll or spec.graphics else PeoplePainter(spec)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=Fraction(spec.fps).limit_denominator(1001))
        vs.width, vs.height = spec.size
        vs.pix_fmt = "yuv420p"
        vs.options = {"crf": "20", "preset": "veryfast"}
        aus = _audio_stream(out) if audio is not None else None
        a_pos = 0
        cache: dict = {}
        for i in range(int(round(spec.duration * spec.fps))):
            t = i / spec.fps
            img = painter.paint(script, t, i, cache)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            frame.pts = i
            out.mux(vs.encode(frame))
            if aus is not None:  # keep audio packets interleaved with video, time-ordered
                a_pos = _mux_audio(out, aus, audio, a_pos, int((t + 1 / spec.fps) * AUDIO_RATE))
        out.mux(vs.encode(None))
        if aus is not None:
            _mux_audio(out, aus, audio, a_pos, len(audio))
            out.mux(aus.encode(None))
    return path


# ---- speech ---------------------------------------------------------------------------------------------
def synth_audio(spec: ClipSpec) -> np.ndarray | None:
    """[n] float32 mono at AUDIO_RATE for the whole clip: silence with each sentence placed at its time."""
    if not spec.speech:
        return None
    track = np.zeros(int(spec.duration * AUDIO_RATE), np.float32)
    for s in spec.speech:
        pcm = speak(s)
        a = int(s.t_start * AUDIO_RATE)
        if a + len(pcm) > len(track):
            raise VStreamError(f"gen:{spec.name}: the sentence at {s.t_start} s runs past the clip's end")
        track[a:a + len(pcm)] += pcm
    return track


def speak(s: SpeechEvent) -> np.ndarray:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise MissingDependencyError("generated speech clips need espeak-ng; install it: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as d:
        wav = Path(d) / "s.wav"
        subprocess.run([exe, "-v", s.voice, "-s", str(s.wpm), "-w", str(wav), s.text], check=True,
                       capture_output=True, timeout=60)
        with wave.open(str(wav)) as w:
            assert w.getframerate() == AUDIO_RATE and w.getnchannels() == 1 and w.getsampwidth() == 2
            pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    return pcm.astype(np.float32) / 32768.0


def speech_spans(spec: ClipSpec) -> list[tuple[str, float, float]]:
    """(sentence, t_start, t_end) as synthesized (for ground truth and the README)."""
    return [(s.text, s.t_start, s.t_start + len(speak(s)) / AUDIO_RATE) for s in spec.speech]


def _audio_stream(out):
    st = out.add_stream("aac", rate=AUDIO_RATE)
    st.layout = "mono"
    return st


def _mux_audio(out, st, audio: np.ndarray, start: int, stop: int) -> int:
    """Encode whole AAC frames of `audio` from sample `start` up to `stop`; returns the new start."""
    import av

    stop = min(stop, len(audio))
    while start + AAC_FRAME <= stop or (stop == len(audio) and start < stop):
        chunk = audio[start:start + AAC_FRAME]
        frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
        frame.sample_rate, frame.pts = AUDIO_RATE, start
        out.mux(st.encode(frame))
        start += len(chunk)
    return start


# ---- people ---------------------------------------------------------------------------------------------
# Cut-outs of real pedestrians in vtest.avi: (stream time s, x0, y0, x1, y1) in its 768x576 frame,
# boxes read off frames at those times (see eval/qa/README.md).
VTEST_SPRITES = ((45.0, 552, 236, 600, 340), (45.0, 300, 200, 342, 294), (60.0, 1208 - 768, 296, 1272 - 768, 420))


def _vtest() -> Path:
    return SHARED_MEDIA / "vtest.avi"


@dataclass
class PeoplePainter:
    spec: ClipSpec
    sprites: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (RGB, alpha [h, w] float)
    backdrop: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not (self.spec.people or self.spec.scene_background):
            return
        real = _vtest().is_file()
        bg, frames = _vtest_background() if real else (None, {})
        if self.spec.scene_background and bg is not None:
            import cv2

            self.backdrop = cv2.resize(bg, self.spec.size, interpolation=cv2.INTER_AREA)
        self.sprites = [_cutout(bg, frames[b[0]], b[1:]) if real else _drawn(k) for k, b in enumerate(VTEST_SPRITES)]

    def paint(self, script: SceneScript, t: float, index: int, cache: dict) -> np.ndarray:
        img = script.render(t, index, cache)
        if self.backdrop is not None:
            img = _overlay_texts_shapes(script, self.backdrop.copy(), t)
        for p in self.spec.people:
            if p.t_start <= t < p.t_end:
                self._paste(img, p, (t - p.t_start) / (p.t_end - p.t_start))
        return img

    def _paste(self, img: np.ndarray, p: PersonEvent, a: float) -> None:
        import cv2

        rgb, alpha = self.sprites[p.sprite % len(self.sprites)]
        h_img, w_img = img.shape[:2]
        h = int(p.height * h_img)
        w = max(1, int(rgb.shape[1] * h / rgb.shape[0]))
        rgb, alpha = cv2.resize(rgb, (w, h)), cv2.resize(alpha, (w, h))
        fx = p.xy0[0] + a * (p.xy1[0] - p.xy0[0])
        fy = p.xy0[1] + a * (p.xy1[1] - p.xy0[1])
        x0, y0 = int(fx * w_img) - w // 2, int(fy * h_img) - h
        _blend(img, rgb, alpha, x0, y0)


def _overlay_texts_shapes(script: SceneScript, img: np.ndarray, t: float) -> np.ndarray:
    """The script's shapes and texts over a given backdrop (render() draws them over its own)."""
    plain = SceneScript(script.duration, script.fps, script.size, [], script.texts, script.shapes)
    drawn = plain.render(t)
    empty = SceneScript(script.duration, script.fps, script.size).render(t)
    mask = np.any(drawn != empty, axis=2)
    img[mask] = drawn[mask]
    return img


def _blend(img: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, x0: int, y0: int) -> None:
    h_img, w_img = img.shape[:2]
    h, w = alpha.shape
    ax0, ay0 = max(0, -x0), max(0, -y0)
    bx0, by0 = max(0, x0), max(0, y0)
    bx1, by1 = min(w_img, x0 + w), min(h_img, y0 + h)
    if bx1 <= bx0 or by1 <= by0:
        return
    a = alpha[ay0:ay0 + by1 - by0, ax0:ax0 + bx1 - bx0, None]
    src = rgb[ay0:ay0 + by1 - by0, ax0:ax0 + bx1 - bx0].astype(np.float32)
    dst = img[by0:by1, bx0:bx1].astype(np.float32)
    img[by0:by1, bx0:bx1] = (a * src + (1 - a) * dst).astype(np.uint8)


def _vtest_background() -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """vtest.avi's empty scene (per-pixel median of 41 frames 2 s apart: each spot is empty most
    of the time) and the frames the sprites are cut from."""
    import av

    want = {b[0] for b in VTEST_SPRITES}
    samples, frames = [], {}
    with av.open(str(_vtest())) as c:
        s = c.streams.video[0]
        for f in c.decode(s):
            t = float(f.pts * s.time_base)
            k = round(t * 10)
            if k % 20 == 0 or t in want:
                img = f.to_ndarray(format="rgb24")
                if k % 20 == 0:
                    samples.append(img)
                if k / 10 in want:
                    frames[k / 10] = img
    return np.median(np.stack(samples), axis=0).astype(np.uint8), frames


def _cutout(bg: np.ndarray, frame: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A person's pixels: where the frame differs from the empty scene by > 30 levels, cleaned
    with a morphological close and feathered by a 3x3 blur."""
    import cv2

    x0, y0, x1, y1 = box
    crop, empty = frame[y0:y1, x0:x1], bg[y0:y1, x0:x1]
    diff = np.abs(crop.astype(np.int16) - empty.astype(np.int16)).max(axis=2) > 30
    mask = cv2.morphologyEx(diff.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    return crop.copy(), cv2.blur(mask.astype(np.float32), (3, 3))


def _drawn(k: int) -> tuple[np.ndarray, np.ndarray]:
    """A simple standing figure (head, torso, legs) when vtest.avi is not available."""
    import cv2

    shirt = [(200, 40, 40), (40, 40, 60), (60, 90, 160)][k % 3]
    img = np.zeros((120, 40, 3), np.uint8)
    alpha = np.zeros((120, 40), np.float32)
    for target, colour in ((img, None), (alpha, 1.0)):
        c = (shirt if colour is None else colour)
        cv2.circle(target, (20, 12), 10, (225, 190, 160) if colour is None else 1.0, -1)
        cv2.rectangle(target, (8, 24), (32, 70), c, -1)
        cv2.rectangle(target, (10, 70), (18, 118), (40, 40, 80) if colour is None else 1.0, -1)
        cv2.rectangle(target, (22, 70), (30, 118), (40, 40, 80) if colour is None else 1.0, -1)
    return img, alpha


# ---- explainer clips: B-roll footage and broadcast-style graphics ---------------------------------------
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CREDITS_SPEED = 40.0  # px/s the credits roll upward
CREDITS_GAP = 64  # px between credit lines
TICKER_SPEED = 50.0  # px/s the ticker scrolls leftward (5 px a frame at 10 fps: each headline ~6 s whole)
TICKER_SEP = "   \u2022   "  # between ticker headlines
TICKER_LABEL = "LATEST"


@dataclass
class ExplainerPainter:
    """Paints a clip made of BrollShots and Graphics (same paint() signature as PeoplePainter).
    Only the current shot's source frames are held (decoded once, resized to the clip's size)."""

    spec: ClipSpec
    _shot: BrollShot | None = None
    _frames: list[tuple[float, np.ndarray]] = field(default_factory=list)  # (source time, RGB)

    def paint(self, script: SceneScript, t: float, index: int, cache: dict) -> np.ndarray:
        img = self._background(t)
        live = [g for g in self.spec.graphics if g.t_start <= t < g.t_end]
        return draw_graphics(img, live, t) if live else img

    def _background(self, t: float) -> np.ndarray:
        w, h = self.spec.size
        shot = next((b for b in self.spec.broll if b.t_start <= t < b.t_end), None)
        if shot is None:
            return np.zeros((h, w, 3), np.uint8)
        if shot is not self._shot:
            self._shot, self._frames = shot, _load_shot(shot, self.spec.size)
        if not self._frames:
            return np.full((h, w, 3), shot.color, np.uint8)
        src = _pingpong(t - shot.t_start, shot.src_t0, shot.src_t1)
        return min(self._frames, key=lambda f: abs(f[0] - src))[1].copy()


def _pingpong(u: float, a: float, b: float) -> float:
    """Source time for u seconds into a shot that plays [a, b] forward, then backward, repeatedly."""
    span = max(b - a, 1e-6)
    phase = u % (2 * span)
    return a + (phase if phase <= span else 2 * span - phase)


def _load_shot(shot: BrollShot, size: tuple[int, int]) -> list[tuple[float, np.ndarray]]:
    """Frames of the shot's source window, centre-cropped to the clip's aspect and resized; []
    for a plain card or a missing file (the shot becomes a plain card)."""
    import av

    path = SHARED_MEDIA / shot.media
    if not shot.media or not path.is_file():
        return []
    out = []
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        for f in c.decode(s):
            ts = float(f.pts * s.time_base) if f.pts is not None else float(f.time)
            if ts < shot.src_t0 - 0.05:
                continue
            if ts > shot.src_t1 + 0.05:
                break
            out.append((ts, _cover(f.to_ndarray(format="rgb24"), size)))
    return out


def _cover(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Centre crop to the target aspect ratio, then resize (no letterbox bars)."""
    import cv2

    w, h = size
    ih, iw = img.shape[:2]
    if iw * h > ih * w:  # too wide: crop the sides
        cw = ih * w // h
        img = img[:, (iw - cw) // 2:(iw - cw) // 2 + cw]
    else:
        ch = iw * h // w
        img = img[(ih - ch) // 2:(ih - ch) // 2 + ch]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)


def _font(px: int, bold: bool = False):
    """DejaVu Sans at px (None when Pillow or the font is missing: cv2 Hershey is used instead)."""
    try:
        from PIL import ImageFont
    except ImportError:
        return None
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    return ImageFont.truetype(str(path), px) if path.is_file() else None


def draw_graphics(img: np.ndarray, graphics: list[Graphic], t: float) -> np.ndarray:
    """The graphics over the frame: semi-opaque boxes composited, then the text on top."""
    if _font(20) is None:
        return _draw_graphics_cv2(img, graphics, t)
    from PIL import Image, ImageDraw

    base = Image.fromarray(img).convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    for g in graphics:
        _GRAPHIC_DRAW[g.kind](d, g, base.size, t)
    return np.asarray(Image.alpha_composite(base, layer).convert("RGB")).copy()


def _text_w(d, text: str, font) -> int:
    x0, _, x1, _ = d.textbbox((0, 0), text, font=font)
    return x1 - x0


def _title(d, g: Graphic, size, t) -> None:
    w, h = size
    big, small = _font(int(h * 0.095), bold=True), _font(int(h * 0.05))
    y = int(h * 0.36)
    d.text(((w - _text_w(d, g.lines[0], big)) // 2, y), g.lines[0], font=big, fill=(255, 255, 255, 255))
    d.line([(w * 0.3, y + h * 0.15), (w * 0.7, y + h * 0.15)], fill=(230, 180, 60, 255), width=3)
    if len(g.lines) > 1:
        d.text(((w - _text_w(d, g.lines[1], small)) // 2, int(y + h * 0.19)), g.lines[1], font=small,
               fill=(215, 220, 230, 255))


def _lower_third(d, g: Graphic, size, t) -> None:
    w, h = size
    name, role = _font(int(h * 0.062), bold=True), _font(int(h * 0.042))
    x, y1 = int(w * 0.05), int(h * 0.90)
    two = len(g.lines) > 1
    bh = int(h * (0.18 if two else 0.11))
    bw = max(_text_w(d, g.lines[0], name), _text_w(d, g.lines[-1], role) if two else 0) + int(w * 0.06)
    d.rectangle([x, y1 - bh, x + bw, y1], fill=(*g.color, 215))
    d.rectangle([x, y1 - bh, x + 8, y1], fill=(255, 255, 255, 255))  # the accent stripe
    d.text((x + 24, y1 - bh + int(h * 0.02)), g.lines[0], font=name, fill=(255, 255, 255, 255))
    if two:
        d.text((x + 24, y1 - bh + int(h * 0.102)), g.lines[1], font=role, fill=(235, 240, 245, 255))


def _chapter(d, g: Graphic, size, t) -> None:
    w, h = size
    f = _font(int(h * 0.08), bold=True)
    d.rectangle([0, int(h * 0.40), w, int(h * 0.58)], fill=(*g.color, 190))
    d.text(((w - _text_w(d, g.lines[0], f)) // 2, int(h * 0.43)), g.lines[0], font=f, fill=(255, 255, 255, 255))


def _bug(d, g: Graphic, size, t) -> None:
    w, h = size
    f = _font(int(h * 0.042), bold=True)
    tw = _text_w(d, g.lines[0], f)
    x1, y0 = w - int(w * 0.03), int(h * 0.05)
    d.rectangle([x1 - tw - 24, y0, x1, y0 + int(h * 0.075)], fill=(*g.color, 200))
    d.text((x1 - tw - 12, y0 + int(h * 0.014)), g.lines[0], font=f, fill=(255, 255, 255, 255))


def _caption(d, g: Graphic, size, t) -> None:
    w, h = size
    f = _font(int(h * 0.058), bold=True)
    tw = _text_w(d, g.lines[0], f)
    d.rectangle([(w - tw) // 2 - 20, int(h * 0.77), (w + tw) // 2 + 20, int(h * 0.89)], fill=(*g.color, 200))
    d.text(((w - tw) // 2, int(h * 0.785)), g.lines[0], font=f, fill=(255, 255, 255, 255))


def credit_line_y(g: Graphic, k: int, t: float, h: int) -> float:
    """Top of credit line k at time t: the first line starts near the bottom edge, all roll up."""
    return h * 0.85 + k * CREDITS_GAP - CREDITS_SPEED * (t - g.t_start)


def _credits(d, g: Graphic, size, t) -> None:
    w, h = size
    f = _font(int(h * 0.05))
    for k, line in enumerate(g.lines):
        y = credit_line_y(g, k, t, h)
        if -40 < y < h:
            d.text(((w - _text_w(d, line, f)) // 2, y), line, font=f, fill=(240, 240, 240, 255))


def _ticker_geometry(d, g: Graphic, w: int) -> tuple[int, list[tuple[str, int, int]], int]:
    """(label box right edge, [(headline, offset, width)] within one loop, loop width) in px."""
    f, lf = _font(int(480 * 0.046), bold=True), _font(int(480 * 0.042), bold=True)
    label_r = _text_w(d, TICKER_LABEL, lf) + 28
    sep, items, off = _text_w(d, TICKER_SEP, f), [], 0
    for line in g.lines:
        tw = _text_w(d, line, f)
        items.append((line, off, tw))
        off += tw + sep
    return label_r, items, off


def ticker_x(g: Graphic, t: float, w: int) -> float:
    """Left edge of the ticker text's first loop at time t: it enters at the right edge at t_start."""
    return w - TICKER_SPEED * (t - g.t_start)


def _ticker(d, g: Graphic, size, t) -> None:
    w, h = size
    f, lf = _font(int(480 * 0.046), bold=True), _font(int(480 * 0.042), bold=True)
    y0, y1 = int(h * 0.915), int(h * 0.995)
    d.rectangle([0, y0, w, y1], fill=(*g.color, 235))
    label_r, items, loop = _ticker_geometry(d, g, w)
    x = ticker_x(g, t, w)
    reps = range(max(0, int((-x) // loop) - 1), int((w - x) // loop) + 2)
    for r in reps:
        for line, off, tw in items:
            lx = x + r * loop + off
            if lx < w and lx + tw > label_r:
                d.text((lx, y0 + 6), line, font=f, fill=(255, 255, 255, 255))
                d.text((lx + tw, y0 + 6), TICKER_SEP, font=f, fill=(240, 200, 60, 255))
    d.rectangle([0, y0, label_r, y1], fill=(200, 30, 40, 255))  # the label hides text scrolling under it
    d.text((14, y0 + 8), TICKER_LABEL, font=lf, fill=(255, 255, 255, 255))


def clock_text(g: Graphic, t: float) -> str:
    """The clock's HH:MM at time t (lines[0] is HH:MM:SS at t_start), after lines[1]'s date if any
    (the date does not roll over at midnight: no clip runs across one)."""
    hh, mm, ss = (int(v) for v in g.lines[0].split(":"))
    s = (hh * 3600 + mm * 60 + ss + int(t - g.t_start)) % 86400
    hhmm = f"{s // 3600:02d}:{s // 60 % 60:02d}"
    return f"{g.lines[1]}  {hhmm}" if len(g.lines) > 1 else hhmm


def _clock(d, g: Graphic, size, t) -> None:
    _left_box(d, g, size, clock_text(g, t))


def _corner(d, g: Graphic, size, t) -> None:
    _left_box(d, g, size, g.lines[0])


def _left_box(d, g: Graphic, size, text: str) -> None:
    """The small top-left box the clock and the corner share (the bug's twin on the left)."""
    w, h = size
    f = _font(int(h * 0.042), bold=True)
    x0, y0 = int(w * 0.03), int(h * 0.05)
    d.rectangle([x0, y0, x0 + _text_w(d, text, f) + 24, y0 + int(h * 0.075)], fill=(*g.color, 210))
    d.text((x0 + 12, y0 + int(h * 0.014)), text, font=f, fill=(255, 255, 255, 255))


def _breaking(d, g: Graphic, size, t) -> None:
    w, h = size
    f = _font(int(h * 0.05), bold=True)
    y0, y1 = int(h * 0.16), int(h * 0.26)
    d.rectangle([0, y0, w, y1], fill=(*g.color, 235))
    lw = _text_w(d, g.lines[0], f) + 28
    d.rectangle([0, y0, lw, y1], fill=(255, 255, 255, 255))
    d.text((14, y0 + int(h * 0.02)), g.lines[0], font=f, fill=(*g.color, 255))
    if len(g.lines) > 1:
        d.text((lw + 16, y0 + int(h * 0.02)), g.lines[1], font=f, fill=(255, 255, 255, 255))


def _weather(d, g: Graphic, size, t) -> None:
    w, h = size
    head, big = _font(int(h * 0.055), bold=True), _font(int(h * 0.075), bold=True)
    bw = max(_text_w(d, line, big) for line in g.lines[1:]) + 80 if len(g.lines) > 1 else w // 2
    x0, y0 = (w - bw) // 2, int(h * 0.28)
    d.rectangle([x0, y0, x0 + bw, y0 + int(h * 0.10)], fill=(240, 180, 40, 255))
    d.text(((w - _text_w(d, g.lines[0], head)) // 2, y0 + int(h * 0.02)), g.lines[0], font=head, fill=(20, 20, 30, 255))
    for k, line in enumerate(g.lines[1:]):
        y = y0 + int(h * (0.10 + 0.13 * k))
        d.rectangle([x0, y, x0 + bw, y + int(h * 0.13)], fill=(*g.color, 225))
        d.text(((w - _text_w(d, line, big)) // 2, y + int(h * 0.025)), line, font=big, fill=(255, 255, 255, 255))


SLIDE_BG = (248, 248, 244)  # the slide's off-white background
SLIDE_INK = (25, 30, 50)  # title and body text: near-black navy


def _slide_lines(g: Graphic) -> list[tuple[str, bool]]:
    """(text, is a bullet) for each body line: a leading "- " marks a bullet and is not drawn."""
    return [(line[2:], True) if line.startswith("- ") else (line, False) for line in g.lines[1:]]


def _slide_draw(d, g: Graphic, size, t) -> None:
    w, h = size
    title, body = _font(int(h * 0.08), bold=True), _font(int(h * 0.052))
    x = int(w * 0.07)
    d.rectangle([0, 0, w, h], fill=(*SLIDE_BG, 255))
    d.text((x, int(h * 0.09)), g.lines[0], font=title, fill=(*SLIDE_INK, 255))
    d.rectangle([x, int(h * 0.22), x + int(w * 0.25), int(h * 0.22) + 5], fill=(*g.color, 255))
    indent = int(w * 0.04)
    for k, (text, bullet) in enumerate(_slide_lines(g)):
        y = int(h * (0.31 + 0.12 * k))
        if bullet:
            d.text((x, y), "\u2022", font=body, fill=(*g.color, 255))
        d.text((x + (indent if bullet else 0), y), text, font=body, fill=(*SLIDE_INK, 255))


def _page(d, g: Graphic, size, t) -> None:
    w, h = size
    f = _font(int(h * 0.036))
    d.text((w - _text_w(d, g.lines[0], f) - int(w * 0.03), int(h * 0.92)), g.lines[0], font=f, fill=(110, 110, 120, 255))


_GRAPHIC_DRAW = {"title": _title, "lower_third": _lower_third, "chapter": _chapter, "bug": _bug,
                 "caption": _caption, "credits": _credits, "ticker": _ticker, "clock": _clock, "corner": _corner,
                 "breaking": _breaking, "weather": _weather, "slide": _slide_draw, "page": _page}


def _draw_graphics_cv2(img: np.ndarray, graphics: list[Graphic], t: float) -> np.ndarray:
    """Fallback without Pillow/DejaVu: each line in Hershey, dark bars behind, same places and times."""
    import cv2

    from eval.synthvideo import put_text

    h, w = img.shape[:2]
    for g in graphics:
        if g.kind in ("slide", "page"):
            _slide_cv2(img, g)
            continue
        lines = ((clock_text(g, t),) if g.kind == "clock" else (TICKER_SEP.join(g.lines),) if g.kind == "ticker"
                 else g.lines)
        ys = ([credit_line_y(g, k, t, h) + 30 for k in range(len(g.lines))] if g.kind == "credits"
              else [h * 0.97] if g.kind == "ticker" else [h * (0.78 + 0.07 * k) for k in range(len(lines))])
        for line, y in zip(lines, ys):
            if 0 < y < h:
                cv2.rectangle(img, (20, int(y) - 28), (w - 20, int(y) + 8), (20, 20, 20), -1)
                put_text(img, line, (30, int(y)), scale=0.8, thickness=2)
    return img


def _slide_cv2(img: np.ndarray, g: Graphic) -> None:
    """The slide (or its number) in Hershey: same background, places and dark ink as with Pillow."""
    from eval.synthvideo import put_text

    h, w = img.shape[:2]
    ink = SLIDE_INK
    if g.kind == "page":
        put_text(img, g.lines[0], (w - int(w * 0.09), int(h * 0.96)), scale=0.5, color=(110, 110, 120), thickness=1)
        return
    img[:] = SLIDE_BG
    x = int(w * 0.07)
    put_text(img, g.lines[0], (x, int(h * 0.17)), scale=1.2, color=ink, thickness=2)
    img[int(h * 0.22):int(h * 0.22) + 5, x:x + int(w * 0.25)] = g.color
    for k, (text, bullet) in enumerate(_slide_lines(g)):
        put_text(img, ("* " if bullet else "") + text, (x, int(h * (0.36 + 0.12 * k))), scale=0.8, color=ink, thickness=2)


def credit_spans(spec: ClipSpec) -> list[tuple[str, float, float]]:
    """(credit line, first, last time it is wholly inside the frame), for ground truth."""
    h, out = spec.size[1], []
    for g in (g for g in spec.graphics if g.kind == "credits"):
        for k, line in enumerate(g.lines):
            ts = [i / spec.fps for i in range(int(g.t_start * spec.fps), int(g.t_end * spec.fps))
                  if 0 <= credit_line_y(g, k, i / spec.fps, h) and credit_line_y(g, k, i / spec.fps, h) + h * 0.06 <= h]
            if ts:
                out.append((line, ts[0], ts[-1]))
    return out


def ticker_spans(spec: ClipSpec) -> list[tuple[str, float, float]]:
    """(headline, first, last time it is wholly visible right of the label), one row per pass,
    for ground truth (needs Pillow + DejaVu, as the rendering does)."""
    if _font(20) is None:
        return []
    from PIL import Image, ImageDraw

    d, w, out = ImageDraw.Draw(Image.new("RGB", spec.size)), spec.size[0], []
    for g in (g for g in spec.graphics if g.kind == "ticker"):
        label_r, items, loop = _ticker_geometry(d, g, w)
        for r in range(int(TICKER_SPEED * (g.t_end - g.t_start) // loop) + 2):
            for line, off, tw in items:
                ts = [i / spec.fps for i in range(int(g.t_start * spec.fps), int(g.t_end * spec.fps))
                      if label_r <= ticker_x(g, i / spec.fps, w) + r * loop + off <= w - tw]
                if ts:
                    out.append((line, ts[0], ts[-1]))
    return sorted(out, key=lambda x: x[1])


def main() -> None:  # python -m eval.qaclips [NAME ...]: build clips, print their paths and speech times
    import sys

    for name in sys.argv[1:] or sorted(CLIPS):
        print(name, build(name))
        for text, a, b in speech_spans(CLIPS[name]):
            print(f"  {a:6.2f}-{b:6.2f}  {text}")
        for text, a, b in credit_spans(CLIPS[name]):
            print(f"  {a:6.2f}-{b:6.2f}  [credits] {text}")
        for text, a, b in ticker_spans(CLIPS[name]):
            print(f"  {a:6.2f}-{b:6.2f}  [ticker] {text}")


if __name__ == "__main__":
    main()
