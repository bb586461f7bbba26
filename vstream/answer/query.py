"""Question → a typed query: what kind of answer, about when, about what, from which senses.

Everything here is a handful of linear-time regex scans over a question of at most
MAX_QUESTION_CHARS characters (a 60 KB question once held the responder for 30 s in a regex)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from retrieval.timeparse import TimeWindow, clock, parse_time_window
from vstream.errors import VStreamError

MAX_QUESTION_CHARS = 2000


class AnswerType(str, Enum):
    WHAT_SHOWN = "what_shown"  # what text is / was on screen
    WHAT_SAID = "what_said"  # what was said
    WHO = "who"
    WHERE = "where"
    WHEN = "when"
    HOW_MANY = "how_many"
    YES_NO = "yes_no"
    DESCRIBE = "describe"
    CHOICE = "choice"  # pick one of the given options
    WHAT = "what"  # anything else: look it up in what was read and heard


class Scope(str, Enum):
    NOW = "now"  # the current moment
    AT = "at"  # a named moment ("around 1:30", "2 minutes ago")
    WINDOW = "window"  # a named stretch ("in the last 5 minutes", "between 1:00 and 2:00")
    ALL = "all"  # everything so far


class Modality(str, Enum):
    TEXT = "text"  # written on screen
    SPEECH = "speech"  # said aloud
    OBJECTS = "objects"  # people, vehicles, animals
    SCENE = "scene"  # cuts / shots


# COCO classes the detector knows, by the words people use for them.
OBJECT_WORDS: dict[str, str] = {}
for _cls, _words in {
    "person": "person persons people ppl pedestrian pedestrians man men woman women guy guys someone somebody anyone "
              "anybody everyone everybody his one kid kids child children human humans walker walkers individual individuals folks boy "
              "girl boys girls lady ladies she he her him passenger passengers driver drivers rider riders",
    "car": "car cars automobile automobiles taxi taxis cab cabs",
    "vehicle": "vehicle vehicles traffic",
    "bicycle": "bicycle bicycles bike bikes cyclist cyclists cycling biking",
    "motorcycle": "motorcycle motorcycles motorbike motorbikes scooter scooters",
    "bus": "bus buses", "truck": "truck trucks lorry lorries van vans", "dog": "dog dogs puppy",
    "cat": "cat cats kitten", "bird": "bird birds parrot parrots cockatoo cockatoos pigeon pigeons",
    "animal": "animal animals creature creatures pet pets",
    "horse": "horse horses", "train": "train trains", "boat": "boat boats",
}.items():
    for _w in _words.split():
        OBJECT_WORDS[_w] = _cls
_PLURAL = {"person": "people", "bus": "buses", "truck/van": "trucks/vans"}
# Classes that stand for a group of detector classes.
GROUPS = {"vehicle": ("car", "truck", "bus", "motorcycle"), "animal": ("bird", "cat", "dog", "horse"),
          "carlike": ("car", "truck"), "twowheel": ("motorcycle",)}
_PEOPLE = {w for w, c in OBJECT_WORDS.items() if c == "person"}


def plural(cls: str, n: int) -> str:
    if n == 1:
        return cls
    return _PLURAL.get(cls, cls + "s")


_TEXT_CUES = re.compile(r"\b(sign|signs|text|written|writing|write|wrote|banner|caption|captions|title|titles|"
                        r"headline|board|poster|display|displayed|label|logo|website|web address|url|subtitle|"
                        r"subtitles|slide|credits|credit|credited|read|reads|hashtag|copyright|chapter|ticker|"
                        r"headline|headlines|on-screen|clock|graphic|crawl|scrolling|scrolls|band|lower third|corner|"
                        r"put (?:the |that |this |a )?(?:\w+ )?up|puts? up|flash(?:ed|es)? up|"
                        r"(?:top|bottom|side|edge|left|right|middle) of the (?:screen|frame|picture)|"
                        r"(?:says?|written|reads?) (?:at|in|on|across) the (?:top|bottom|corner|side))\b")
_SPEECH_CUES = re.compile(r"\b(say|said|says|saying|mention|mentioned|mentions|hear|heard|talk|talked|talking|"
                          r"spoke|speak|speaking|spoken|voice|announce|announced|announcement|tell|told|ask|asked|"
                          r"narrator|narration|voiceover|voice-over|speaker|presenter|audio|sound|sounds|noise|noises|noisy)\b")
_SCENE_CUES = re.compile(r"\b(scenes? (?:changes?|changed|changing|cuts?|switch(?:es|ed)?)|cuts?|shots?|"
                         r"(?:camera|view|angle|shot|background|backdrop|picture) (?:change[sd]?|switch(?:es|ed)?)|new scene|scenes)\b")
_PAST = re.compile(r"\b(was|were|did|had|saw|seen|spotted|noticed|earlier|before|so far|previously|ever|at any point|have you|has there|"
                   r"has anyone|has someone|appeared|first|last time|until now|throughout|the whole)\b")
_PRESENT = re.compile(r"\b(is|are|now|currently|right now|at the moment|still|present|visible|in view|on screen|here)\b")
_QUOTED = re.compile(r"[\"“‘]([^\"”’]{1,120})[\"”’]|(?:^|\s)'([^']{1,120})'")
_YES_NO = re.compile(r"^(is|are|was|were|did|do|does|has|have|had|can|could|will|would|should|any|anyone|anybody|"
                     r"someone|somebody|anything|something|isn't|aren't|wasn't|didn't|see any|do you see|"
                     r"(?:seen|see|saw|spot|spotted|notice|noticed|got) (?:any|a|an|anything|anyone|anybody|someone))\b")
_DESCRIBE = re.compile(r"\b(describe|summari[sz]e|summary|what(?:'s| is| was) (?:happening|going on)|"
                       r"what (?:do|did|can) you see|what(?:'s| is) (?:in|on) (?:the )?(?:view|frame|picture|video|scene)|"
                       r"what happened|what(?:'s| is) there|tell me about|"
                       r"what(?:'s| is) (?:in|on) (?:this|that) (?:shot|scene|frame|picture|image|part|view|bit)|"
                       r"what(?:'s| is) (?:shown|showing|on) (?:right )?now|what (?:are|am) (?:we|i) (?:looking at|seeing|watching)|"
                       r"what(?:'s| is) (?:this|the) (?:video|clip|scene|footage) (?:about|of|showing))\b")
_BUSY = re.compile(r"\b(busy|crowded|full|packed|quiet|empty)\b")
_STOP = set("""a an the is are was were be been being am do does did doing have has had having i you he she it we
they me him her us them my your his its our their this that these those there here what which who whom whose when
where why how any some anyone anybody someone somebody anything something thing things of in on at to for from by
with about as into onto over under up down out off than then so just please can could would should will shall may
might must tell let know see seen saw look looking show shown showed shows say said says mention mentioned hear
heard talk talked right now currently moment still ever yet already too anymore so far earlier before after ago time times many much
number count and or but not no yes if whether also any all again did does doing going happen happened happening
screen text sign written write read reads on-screen video clip stream camera frame view visible appear appeared
appears appearing first last lately recently just point minute minutes second seconds hour hours around between
during within past since until currently hey hi pls plz get got come came comes coming up show showing
pop popped whats wheres whos hows thats theres anymore really exactly announce announced announces announcing actually basically even gonna wanna gotta
announcement announcements spoke speak speaks speaking spoken talk talks talking tell told hearing narrator narration
voiceover presenter start beginning outset very today todays today's lots lot loads plenty bunch several""".split())


@dataclass(frozen=True)
class Place:
    """Where in the picture a question asks about: a part of the frame ("on the left", "the top right
    corner": ranges its centre must fall in, frame fractions) or what things stand on ("on the grass")."""

    words: str  # as an answer says it: "on the left", "in the top right corner", "on the grass"
    x: tuple[float, float] = (0.0, 1.0)
    y: tuple[float, float] = (0.0, 1.0)
    ground: str = ""  # "grass" or "paved" (Box.ground); "" for a part of the frame
    objects: bool = True  # narrows detections too; a bare "at the top" is where text is ("the building at the top")

    def holds(self, box) -> bool:
        """A box is there: its centre in the ranges, and on that ground when one is asked."""
        cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
        inside = self.x[0] <= cx <= self.x[1] and self.y[0] <= cy <= self.y[1]
        return inside and (not self.ground or box.ground == self.ground)


# Parts of the frame. Halves overlap the middle: "the person on the left" among three is the one left
# of 0.4, the middle one is 0.3-0.7 (a box's centre, frame fractions).
_SIDES = {"left": (0.0, 0.4), "right": (0.6, 1.0)}
_ENDS = {"top": (0.0, 0.35), "upper": (0.0, 0.35), "bottom": (0.65, 1.0), "lower": (0.65, 1.0)}
_MIDDLE = (0.3, 0.7)
_CORNER = re.compile(r"\b(?:in the |at the |on the )?(top|upper|bottom|lower)[- ](left|right)(?:[- ]hand)?(?: corner| side| of the (?:screen|frame|picture))?\b|"
                     r"\b(left|right)[- ](top|bottom) corner\b")
# "on the left", "to the right of the screen", "left-hand side" — not a way something went ("turned
# left", "moving to the left", "left to right") nor "who left".
_SIDE = re.compile(r"(?<!moving )(?<!going )(?<!went )(?<!goes )(?<!walking )(?<!heading )(?<!turned )(?<!turning )"
                   r"(?<!move )(?<!go )(?<!turn )(?<!moved )(?<!ran )(?<!running )(?<!drove )(?<!driving )(?<!walked )"
                   r"\b(?:on|at|to|in) the (?:far |very )?(left|right)\b(?!\s+(?:of|to) (?!the (?:screen|frame|picture|image|shot)))|"
                   r"\b(left|right)[- ]hand side\b|\b(left|right) side of the (?:screen|frame|picture|image|shot)\b")
_CENTRE = re.compile(r"\b(?:in|at) the (?:middle|centre|center)\b")
_END = re.compile(r"\b(?:at|along|across|on) the (top|bottom)\b(?! (?:of|row|line|step|floor|left|right)\b(?! (?:the )?(?:screen|frame|picture|image|shot)))|"
                  r"\b(top|bottom) of the (?:screen|frame|picture|image|shot)\b")
# What things stand on (Box.ground): "on the grass", "walking on the path", "in the road".
_GROUND = re.compile(r"\b(?:on|onto|across|along|in|off|crossing) the (grass|lawn|field|green|path|paths|pathway|footpath|road|street|"
                     r"pavement|sidewalk|tarmac|walkway|driveway|car park|parking lot|asphalt)\b")
_GRASSY = {"grass", "lawn", "field", "green"}
# "which way is he moving, to the left?": "to the left" is then a way, not a place
_MOTION_WORDS = re.compile(r"\b(which way|direction|heading|headed|moving|move|moves|moved|going|goes|went|walking|"
                           r"walks|walked|running|runs|ran|driving|drives|drove|turn|turns|turned|turning|flying|flew)\b")


# Who speaks, when the question says: "what did she just say?", "what did the man ask?" — the first
# of these words in the question is the speaker ("what did she say about him?": she)
_HER = {"she", "her", "woman", "lady", "girl", "mum", "mom", "wife", "mother", "grandma", "actress", "hostess"}
_HIM = {"he", "him", "man", "guy", "boy", "dad", "husband", "father", "grandpa", "actor", "bloke"}


# Who is spoken to, not who speaks: "what did the mayor tell him?" is the mayor's voice, whatever "him" is.
_ADDRESSEE = re.compile(r"\b(?:tell|tells|told|ask|asks|asked|answer|answered|thank|thanked|promise|promised|"
                        r"(?:say|said|says|reply|replied|talk|talked|speak|spoke) to)\s+(?:him|her|them)\b")


def voice_of(low: str, modalities: frozenset[Modality]) -> str:
    """"higher" for a woman's voice, "lower" for a man's, "" when the question names no speaker (or asks
    about text): matched against each sentence's measured pitch (SpeechData.pitch_hz)."""
    if Modality.SPEECH not in modalities or Modality.TEXT in modalities:
        return ""
    for w in re.findall(r"[a-z]+", _ADDRESSEE.sub(" ", low)):
        if w in _HER:
            return "higher"
        if w in _HIM:
            return "lower"
    return ""


def place_of(low: str) -> Place | None:
    """The part of the picture a question narrows to, if any (the first such phrase)."""
    if m := _CORNER.search(low):
        end, side = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        return Place(f"in the {'top' if end in ('top', 'upper') else 'bottom'} {side} corner", _SIDES[side], _ENDS[end])
    if m := _GROUND.search(low):
        ground = "grass" if m.group(1) in _GRASSY else "paved"
        return Place(f"on the {m.group(1)}", ground=ground)
    if (m := _SIDE.search(low)) and not (m.group(0).startswith("to ") and _MOTION_WORDS.search(low)):
        side = next(g for g in m.groups() if g)
        return Place(f"on the {side}", x=_SIDES[side])
    if m := _END.search(low):
        end = next(g for g in m.groups() if g)
        return Place(f"at the {end}", y=_ENDS[end], objects=m.group(2) is not None)
    if _CENTRE.search(low):
        return Place("in the middle", x=_MIDDLE)
    return None


@dataclass(frozen=True)
class Query:
    question: str
    now: float
    answer_type: AnswerType
    scope: Scope
    window: TimeWindow | None
    target: str  # the content words the answer must be about ("" when none)
    quoted: str | None  # a phrase the user quoted exactly
    modalities: frozenset[Modality]
    object_class: str | None  # the COCO class asked about (person, car, …)
    most: bool = False  # "at most", "maximum", "peak": a maximum over the scope
    options: tuple[str, ...] = field(default=())
    place: Place | None = None  # where in the picture ("on the left", "on the grass"); None: anywhere
    voice: str = ""  # "higher" / "lower": whose speech ("what did she say?"); "" any voice

    @property
    def point(self) -> float:
        """The moment asked about: the named one, else now."""
        return self.window.point if self.window is not None and self.window.point is not None else self.now


def check_question(question: str) -> str:
    q = (question or "").strip()
    if not q:
        raise VStreamError("empty question: ask something, e.g. \"what text is on screen?\"")
    if len(q) > MAX_QUESTION_CHARS:
        raise VStreamError(f"question too long ({len(q)} characters; the limit is {MAX_QUESTION_CHARS}): shorten it")
    return q


# Words people start with that carry no question ("wait, did they say…", "so what do they eat?", "ok and
# who's that?"): dropped so the question's own first word decides its shape.
_LEAD = re.compile(r"^(?:(?:ok(?:ay)?|so|wait|hey|hi|um+|uh+|hmm+|oh|and|also|btw|sorry|well|alright|yo|but|quick "
                   r"question|one more thing|actually|anyway|just wondering|i wonder)\b[\s,.:;!—–-]*)+", re.I)
# Apostrophes people leave out, put back so every later pattern sees one spelling ("whats his name").
_TIDY = ((r"\bwhats\b", "what's"), (r"\bwheres\b", "where's"), (r"\bwhos\b", "who's"), (r"\bhows\b", "how's"),
         (r"\bthats\b", "that's"), (r"\btheres\b", "there's"), (r"\bppl\b", "people"), (r"\brn\b", "right now"),
         (r"\bhw\b", "how"), (r"\b(?<=\w )r\b(?= \w)", "are"), (r"\b(?<=\w )u\b", "you"))


def tidy(question: str) -> str:
    """The question as later patterns expect it: no leading filler, apostrophes put back."""
    rest = _LEAD.sub("", question)
    q = rest if len(rest.split()) >= 2 else question
    for pat, rep in _TIDY:
        q = re.sub(pat, rep, q, flags=re.I)
    return q


def analyze(question: str, now: float, options: tuple[str, ...] | list[str] = ()) -> Query:
    q = tidy(check_question(question))
    low = _normalise(q)
    window = parse_time_window(low, now) or _until(low)
    clock = None
    if window is not None and window.t_start > now + CLOCK_AHEAD_S and (clock := _HH_MM.search(low)):
        window = None  # "who signed in at 13:55?" a minute into the video: a time of day, shown or said
    elif (clock := _DEPARTURE.search(low)) is not None:
        window = None  # "is the 14:10 to Leeds on time?": a service named by its time, not a moment of the video
    quoted = _quoted(q)
    modalities = _modalities(low)
    object_class = _object_class(low)
    answer_type = _answer_type(low, tuple(options), modalities)
    if answer_type is AnswerType.WHO and not modalities & {Modality.SPEECH, Modality.TEXT}:
        object_class = "person"  # "who is in the scene / in the car?" asks about the people, not the car
    if answer_type in (AnswerType.HOW_MANY, AnswerType.YES_NO) and object_class is None and _BUSY.search(low) and \
            not modalities & {Modality.SPEECH, Modality.TEXT}:
        object_class = "person"  # "how busy is it?", "is the path empty?": how many people are around
    if answer_type is AnswerType.HOW_MANY and object_class is None and _HOW_MANY_BARE.search(low) and \
            not modalities & {Modality.SPEECH, Modality.TEXT, Modality.SCENE}:
        object_class = "person"  # "how many were on the path?": no noun — people, as a person asking means
    scope = _scope(low, window, answer_type, modalities)
    target = quoted or " ".join(filter(None, (_target(low), next(filter(None, clock.groups()), "") if clock else "")))
    most = bool(re.search(r"\b(at most|most|max|maximum|peak|largest|biggest|highest)\b", low))
    return Query(q, now, answer_type, scope, window, target, quoted, modalities, object_class, most, tuple(options),
                 place_of(low), voice_of(low, modalities))


# "what's on the roof / side / back of …": surfaces that carry signs and writing.
_ON_SURFACE = re.compile(r"what (?:is|was|are|were) (?:written |painted |printed )?on (?:the |that |this |his |her |its )?"
                         r"(?:roof|top|side|front|back|wall|door|window|banner|board|poster|shirt|t-shirt|jersey|sign)\b")
# "how many were there / are on the path": a count with no noun after "how many".
_HOW_MANY_BARE = re.compile(r"\bhow many (?:were|are|was|is|have|had|can|could|do|did)\b")
# "by 0:05", "until 1:30": everything from the start up to that moment.
_UNTIL = re.compile(r"\b(?:by|until|till|up to|up until) (\d{1,2}:\d{2}(?::\d{2})?)\b")


def _until(low: str) -> TimeWindow | None:
    m = _UNTIL.search(low)
    return TimeWindow(0.0, clock(m.group(1)), "before") if m else None


# (runs after `tidy`, which has already put back "whats" → "what's", "ppl", "rn", "hw")
_CONTRACTIONS = ((r"\b(what|where|who|how|that|there|it|he|she)'s\b", r"\1 is"), (r"'re\b", " are"),
                 (r"\b(\w+)'d\b", r"\1 did"), (r"\bu\b", "you"), (r"\br\b", "are"),
                 (r"\bur\b", "your"), (r"\b(wat|wht|wut)\b", "what"),
                 (r"\bcolours\b(?= (?:that|this|the|his|her|it)\b)", "colour is"),
                 # apostrophes people leave out: "wasnt there a sign", "isnt he", "didnt she"
                 (r"\b(is|was|are|were|did|does|do|has|have|had|could|would|should)nt\b", r"\1 not"),
                 (r"\bcant\b", "can not"), (r"\bwont\b", "will not"),
                 (r"(?<=[a-z])'s\b", ""))  # a possessive: "date's" / "Tom's" is the noun ("what date's this from")


def _normalise(q: str) -> str:
    low = q.lower().replace("’", "'").replace("‘", "'")
    for pat, rep in _CONTRACTIONS:
        low = re.sub(pat, rep, low)
    # "when the broadcast started", "when the video began": the start, as the time parser names it
    return _WHEN_BEGAN.sub(" at the start", low)


_WHEN_BEGAN = re.compile(r"\s*\b(?:when|as) (?:the|this|it|we|they|you) ?(?:\w+ )?(?:started|began|start|begins|starts|"
                         r"first started|came on|kicked off)\b")


def _quoted(q: str) -> str | None:
    m = _QUOTED.search(q)
    return (m.group(1) or m.group(2)).strip() if m else None


# "What did the ticker / clock / sign say?": a thing on screen that "says", not speech.
_SHOWN_THINGS = (r"sign|signs|screen|banner|board|poster|caption|captions|title|text|ticker|crawl|headline|headlines|"
                 r"clock|graphic|graphics|fact|on-screen|label|logo|band|lower third|slide|subtitle|subtitles|display")
_SHOWN_SAYS = re.compile(rf"\b(?:{_SHOWN_THINGS})\b[^?]{{0,30}}\bsays?|\bsaid on (?:the )?screen|\bon-screen\b|"
                         r"\bsays?\b[^?]{0,12}\b(?:at|in|on|across) the (?:top|bottom|corner|side|left|right|screen)\b")


OPINION = re.compile(r"\b(?:he|she|they|the (?:man|woman|guy|speaker|presenter|reporter|narrator|interviewee|expert))"
                      r" (?:think|thinks|thought|believe|believes|feel|feels|want|wants|suggest|suggests|suggested|"
                      r"recommend|recommends|propose|proposes|reckon|reckons|prefer|prefers)\b")


_TALK_NOUN = re.compile(r"\b(?:the|this|that|a|his|her|their|today's|whole|next) talks?\b")


def _modalities(low: str) -> frozenset[Modality]:
    out = set()
    # "this talk", "the talk" is a lecture (a thing shown), not someone talking
    text, speech = _TEXT_CUES.search(low), _SPEECH_CUES.search(_TALK_NOUN.sub(" lecture ", low))
    if text:
        out.add(Modality.TEXT)
    speech = speech or OPINION.search(low)  # "what does he think would fix things?": what he said
    if speech and not (text and _SHOWN_SAYS.search(low)):
        out.add(Modality.SPEECH)
    if _object_class(low):
        out.add(Modality.OBJECTS)
    if _SCENE_CUES.search(re.sub(r"\b(?:in|on) (?:this|the|that) shot\b", " ", low)) and not re.search(r"\bhow much\b", low):
        out.add(Modality.SCENE)  # "is there a bike in this shot?" names the picture, not a cut
    return frozenset(out)


def _object_class(low: str) -> str | None:
    """The class asked about; a thing beats a person ("did anyone ride a bike?" is about bikes)."""
    if re.search(r"\b(?:traffic|stop) ?lights?\b", low):  # "lights" alone are lamps or windows, not signals
        return "traffic light"
    found = []
    for w in re.findall(r"[a-z]+", _COMPOUND.sub(" ", low)):
        if w in OBJECT_WORDS and w != "one":
            if w in ("someone", "somebody", "anyone", "anybody", "everyone", "everybody", "she", "he", "her", "him",
                     "his") and _SPEECH_CUES.search(low):
                continue  # "did someone say …" asks about speech, not about a person in view
            found.append(OBJECT_WORDS[w])
    if (m := _THERE_IS.match(low)) and m.group(1) in OBJECT_WORDS:
        return OBJECT_WORDS[m.group(1)]  # "is there a person in the room with the bird?": the person
    things = [c for c in found if c != "person"]
    return things[0] if things else (found[0] if found else None)


CLOCK_AHEAD_S = 300.0  # a time this far past now is a time of day ("at 2:00" a minute in is still the video's)
# "at 13:55", "at 9.30" — not "after 18:43:05" (a wall-clock bound a multi-camera session maps to its streams)
_HH_MM = re.compile(r"\bat (\d{1,2}[:.]\d{2})(?![:.]?\d)")
def departure(low: str) -> str | None:
    """The HH:MM a question names a service by ("is the 14:10 to Leeds on time?"), else None."""
    m = _DEPARTURE.search(low)
    return next(filter(None, m.groups()), None) if m else None


# "the 14:10 to Leeds", "is the 9.15 running?", "my 18:05 bus": a train, bus or flight named by its time — not
# "at the 1:05 mark" nor "at the 0:30" (a moment of the video)
_DEPARTURE = re.compile(r"(?<!\bat )\b(?:the|my|our|your|that|this) (\d{1,2}[:.]\d{2})(?![:.]?\d)(?! ?(?:mark|point|minute|"
                        r"second|timestamp|spot|part|bit|section|segment|clip|to \d|-))|\bat the (\d{1,2}[:.]\d{2}) (?=to|from|train|bus|service|flight)")


# A thing's word naming a place or another thing ("car park", "bus stop", "bike shelter"): no question about it
_COMPOUND = re.compile(r"\b(?:car|bus|bike|bicycle|train|truck|boat|dog|horse)s? (?:parks?|parking|stops?|stations?|shelters?|"
                       r"racks?|lanes?|routes?|wash|seats?|keys?|doors?|ports?|paths?|tracks?|depot|passes|tickets?|"
                       r"fares?|drivers?|times|timetables?|schedules?)\b")


# The thing a question asks is there, named first: "is there a person …", "are there any cars …"
_THERE_IS = re.compile(r"(?:is|are|was|were) there (?:a |an |any |some |more than one |two |2 )?([a-z]+)\b")


# "so Vella's leading, right?", "the church is from 1700 yeah?": a statement to confirm, not a "what"
_TAG_Q = re.compile(r"^(?!(?:what|who|where|when|which|how|why)\b).*[\s,](?:right|correct|yeah|yes|true|isn't it|"
                    r"aren't they|is that right|am i right|no)\s*\?+\s*$")


def _answer_type(low: str, options: tuple[str, ...], mods: frozenset[Modality]) -> AnswerType:
    if options:
        return AnswerType.CHOICE
    if re.match(r"(?:what|which) (?:year|date|day|month|season)\b", low):
        return AnswerType.WHAT  # "what year was the count?" asks for a year, not a count
    if re.search(r"\b(how many|how much|number of|count the|count of|how often|how many times|count)\b", low) or \
            re.search(r"\bhow (?:busy|crowded|full|packed|quiet|empty)\b", low) or \
            re.search(r"\b(?:the )?(?:most|max|maximum|peak|largest number of)\s+(?:\w+\s+)?(?:people|persons|cars|vehicles|"
                      r"pedestrians)\b", low):
        return AnswerType.HOW_MANY
    if re.search(r"\bwhat time (?:does|did|is|was) (?:the |that )?(?:on-screen |corner )?(?:clock|watch|display|timer)\b", low):
        return AnswerType.WHAT_SHOWN  # "what time did the clock show?": its digits, not when
    if re.match(r"(when|at what (?:time|point|moment)|what time did|since when|how long ago)\b", low) or \
            re.search(r"\bhow long (?:has|have|had) .{1,60}? been\b", low) or \
            re.search(r"\b(when did|when was|when were|when does|when is|at what point)\b", low):
        return AnswerType.WHEN
    if re.match(r"who\b|who's\b", low):
        return AnswerType.WHO
    if re.match(r"where\b|where's\b", low):
        return AnswerType.WHERE
    if _DESCRIBE.search(low):
        return AnswerType.WHAT_SAID if mods == {Modality.SPEECH} else AnswerType.DESCRIBE
    if _YES_NO.match(low) or _TAG_Q.search(low):
        return AnswerType.YES_NO
    if Modality.SPEECH in mods and Modality.TEXT not in mods:
        return AnswerType.WHAT_SAID
    if Modality.TEXT in mods and re.match(r"(what|which|read|tell me)\b", low) and re.search(
            r"\b(say|says|said|read|reads|written|text|sign|shown|on screen|displayed|caption|title|banner)\b", low):
        return AnswerType.WHAT_SHOWN
    if re.match(r"what\b", low) and re.search(r"\bon (?:the )?screen\b", low) and not _object_class(low):
        return AnswerType.WHAT_SHOWN  # "what's on the screen?": text first, else what is seen
    if _ON_SURFACE.match(low):
        return AnswerType.WHAT_SHOWN  # "what's on the roof of that car?": a sign there, else what is seen
    return AnswerType.WHAT


def asks_past(question: str) -> bool:
    """The question is about what was (saw, did, earlier, so far …), not only about now."""
    return bool(_PAST.search(question.lower()))


# "What is this video about?", "summarize the video": the whole stream so far, not the last seconds.
_WHOLE = re.compile(r"\b(?:video|film|clip|documentary|footage|show|it|this) (?:is |was )?about\b|"
                    r"\bsummari[sz]e (?:the|this|it)\b(?! (?:last|past|moment))|\bsummary of (?:the|this) (?:video|film|clip)\b")


# "can u see her?", "do you see a bike?": what is in view now, not whether it ever was
_SEE_NOW = re.compile(r"\b(?:can|do) (?:you|u|ya) (?:still )?(?:see|spot|make out)\b")


def _scope(low: str, window: TimeWindow | None, answer_type: AnswerType, mods: frozenset[Modality]) -> Scope:
    if window is not None:
        if window.kind == "now":
            return Scope.NOW
        return Scope.AT if window.point is not None else Scope.WINDOW
    if answer_type in (AnswerType.WHEN, AnswerType.WHAT_SAID, AnswerType.WHAT) or Modality.SPEECH in mods:
        return Scope.ALL
    if _PAST.search(low) or _WHOLE.search(low) or re.search(r"\bhow many times\b", low):
        return Scope.ALL  # "how many times have they shown the gap?" counts over the whole stream
    if answer_type in (AnswerType.HOW_MANY, AnswerType.DESCRIBE, AnswerType.WHERE, AnswerType.WHAT_SHOWN) or \
            _PRESENT.search(low) or _SEE_NOW.search(low):
        return Scope.NOW
    return Scope.ALL


def _target(low: str) -> str:
    """Content words in order, without question words, time phrases and modality verbs."""
    low = re.sub(r"\b\d{1,2}:\d{2}(?::\d{2})?\b", " ", low)
    low = re.sub(r"\b(?:watch out|look out|be careful|careful)(?: for| with| about)?\b|\bdoes it matter\b", " ", low)
    low = re.sub(r"\bhow old (?:is|was|are|were) (?=the |this |that )", " built ", low)  # a thing's age is when it was built
    low = re.sub(r"\bway (out|in)\b", lambda m: "exit" if m.group(1) == "out" else "entrance", low)  # "out"/"in" are stop words
    # a stretch of time ("the last 10 seconds", "the first minute"), not "the first class" or "the last exercise"
    low = re.sub(r"\b((in|during|over|within|for) )?the (last|past|first) (?:(?:\d+|few|couple(?: of)?|half an?|half|one|two|"
                 r"three|four|five|ten|fifteen|twenty|thirty|sixty) )?(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|"
                 r"moments?|while|bit|half|quarter)\b", " ", low)
    low = re.sub(r"\b(a |an )?(\S+ )?(of )?(seconds?|secs?|minutes?|mins?|hours?|moment) ago\b", " ", low)
    words = re.findall(r"[a-z0-9@./#-]+", low)
    keep = [w.strip(".-") for w in words if w.strip(".-") and w.strip(".-") not in _STOP]
    return " ".join(keep)
