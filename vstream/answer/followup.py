"""Follow-up questions: one that only points back ("who said that?", "and at the start?", "where was
that?", "what about now?") takes what it is about from the question before it in the conversation.

Stateless: the caller passes the previous question (the chat's previous user message; the QA runner's
previous question on the same video), and it is analysed again at the new time. A question with a
subject of its own is never changed, so an unrelated question after another is answered alone.
"""

from __future__ import annotations

import re
from dataclasses import replace

from vstream.answer.query import Query, Scope, _object_class, analyze

# words a follow-up points back with, or leaves its subject out with: "who said THAT", "when was IT"
_POINTERS = frozenset("that this it those these then there him her them he she they one til till until".split())
# a question opening like this carries on from the one before ("and at the start?", "what about now?");
# not "so …" or "ok …": people open fresh questions with those ("so what's the website?")
_CARRY_ON = re.compile(r"^(?:and|what about|how about)\b")
# pointing back at what was just answered — said, asked or happened: "who said that?", "when was it?",
# "til what time?". Not "what is this?" / "what's he doing?": those point at the picture
_POINTS_BACK = re.compile(r"\b(?:said|says|say|mention(?:ed|s)?|mean|meant|ask(?:ed|s)?|told|tell|report(?:ed|s)?)\s+"
                          r"(?:that|this|it)\b"
                          r"|^(?:when|where|why|what time)\s+(?:was|is|did|does|will)\s+(?:that|it)\b"
                          r"|^(?:til|till|until|since|by)\s+(?:what|when|how)\b"
                          # "what was it before?": the same thing's earlier value; "why?" alone: the reason for it
                          r"|^what\s+(?:was|were|did)\s+(?:it|that|they|this)\s+(?:say\s+)?(?:before|earlier|at first|"
                          r"originally|previously)\b|^(?:but |and )?why\s*\??$")
_WH = re.compile(r"\b(?:what|who|whom|whose|which|where|when|why|how|is|are|was|were|did|does|do|has|have|can|could)\b")
_EVER = re.compile(r"\b(?:so far|ever|in total|altogether|all along|the whole)\b")


def refers_back(asked: str, q: Query) -> bool:
    """A question whose subject is the previous one's: it points back at what was said or happened
    ("who said that?", "where was that?", "til what time?") with no subject of its own, or carries on
    ("and at the start?", "and how many were free at the start?": one word of its own at most). `asked`
    is the question as typed (analyze drops openings such as "and")."""
    low = asked.strip().lower()
    own = [w for w in q.target.split() if w not in _POINTERS]
    if _CARRY_ON.match(low):
        return len(own) <= 1
    return bool(_POINTS_BACK.search(low)) and not own


def follow_up(asked: str, q: Query, previous: str | None) -> Query:
    """`q` (analysed from `asked`) with the previous question's subject — its target, its speech/text
    hints and object class, its time when `q` names none, its kind of answer when `q` asks no question
    of its own ("and at the start?") — when `q` only points back; else `q` unchanged."""
    if not previous or not previous.strip() or not refers_back(asked, q):
        return q
    p = analyze(previous, q.now)
    own = [w for w in q.target.split() if w not in _POINTERS]
    if own and _object_class(" ".join(own)) and p.object_class:  # "and people?" after "how many cars?": a new
        out = q  # thing, counted as before ("and for kids?" after "how much are tickets?" is the tickets, for kids)
    else:  # its class only when its words name one: "how many were free" is no question about people
        out = replace(q, target=" ".join(own + [w for w in p.target.split() if w not in own]),
                      modalities=q.modalities or p.modalities, object_class=p.object_class)
    if not _WH.search(_CARRY_ON.sub("", asked.strip().lower())):  # "and at the start?": asked as before
        out = replace(out, answer_type=p.answer_type, most=p.most)
    if q.scope is Scope.ALL and q.window is None and not _EVER.search(asked.lower()):  # "where was that?": then
        out = replace(out, scope=p.scope, window=p.window)
    return out
