"""Token drop (exact on known tokens), scene cuts, encoder cache, OCR policy, the lite encoder end
to end on a scripted clip, and the hf backend's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eval.synthvideo import SceneScript, Segment, ShapeEvent, TextEvent
from tests.conftest import run_cli
from vstream.config import Config, EncoderConfig, SourceConfig
from vstream.encoders.cache import FrameCache
from vstream.encoders.ocr import OcrPolicy
from vstream.encoders.tokendrop import TokenDropper
from vstream.ingest import Ingest
from vstream.types import Frame


def rand_tokens(n=12, d=16, seed=0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed))


def test_first_frame_keeps_everything_then_only_changed_patches():
    drop = TokenDropper(tau=0.9)
    t0 = rand_tokens()
    r0 = drop(t0, None)
    assert r0.kept.all() and r0.kept_ratio == 1.0 and not r0.scene_change
    t1 = t0.clone()
    t1[[3, 7]] = rand_tokens(2, seed=5)  # two patches change completely
    r1 = drop(t1, None)
    assert r1.kept.nonzero().flatten().tolist() == [3, 7]
    assert r1.kept_ratio == pytest.approx(2 / 12)


def test_reference_is_last_kept_token_per_patch():
    """Slow drift: each step is within tau of the previous frame, but the accumulated change
    exceeds tau against the last *kept* version, so the patch is kept once, then dropped again."""
    drop = TokenDropper(tau=0.95)
    base = rand_tokens(4, 16)
    drop(base, None)
    direction = rand_tokens(4, 16, seed=9)
    kept_steps = []
    for step in range(1, 8):
        r = drop(base + 0.12 * step * direction, None)
        kept_steps.append(bool(r.kept[0]))
    assert not kept_steps[0]  # the first small step is dropped
    assert any(kept_steps)  # accumulated drift is eventually kept
    first = kept_steps.index(True)
    assert not all(kept_steps[first + 1:first + 2])  # after a keep, the reference moved on


def test_cut_keeps_all_tokens_and_resets_reference():
    drop = TokenDropper(tau=0.9, cut_patch_sim=0.3)
    drop(rand_tokens(seed=1), None)
    r = drop(rand_tokens(seed=2), None)  # unrelated tokens: patch similarity ~0
    assert r.scene_change and r.kept.all()
    r2 = drop(rand_tokens(seed=2), None)
    assert not r2.kept.any()


def test_drop_disabled_keeps_everything_but_still_detects_cuts():
    drop = TokenDropper(tau=0.9, enabled=False)
    t = rand_tokens()
    drop(t, None)
    assert drop(t, None).kept.all()
    assert drop(rand_tokens(seed=3), None).scene_change


def test_frame_cache_hits_on_repeats_and_misses_on_change():
    cache: FrameCache[str] = FrameCache(max_mad=1.0)
    a = np.full((90, 160, 3), 100, np.uint8)
    b = a.copy()
    b[20:60, 40:100] = 250
    hit, thumb = cache.lookup(a)
    assert hit is None
    cache.store(thumb, "A")
    noisy = np.clip(a.astype(int) + np.random.default_rng(0).integers(-1, 2, a.shape), 0, 255).astype(np.uint8)
    assert cache.lookup(noisy)[0] == "A"  # sensor noise: same scene
    assert cache.lookup(b)[0] is None
    assert (cache.hits, cache.misses) == (1, 2)


def test_ocr_policy_dates_text_to_first_change_and_bounds_rate():
    p = OcrPolicy(min_interval=2.0, max_interval=30.0, change_ratio=0.02)
    assert p.should_run(0.0, 1.0, False) == (True, 0.0)  # first frame
    assert p.should_run(0.5, 0.0, False) == (False, None)
    assert p.should_run(1.0, 0.10, False) == (False, None)  # change, but too soon
    assert p.should_run(1.5, 0.0, False) == (False, None)
    assert p.should_run(2.0, 0.0, False) == (True, 1.0)  # runs now, dated to the change at 1.0
    assert p.should_run(2.5, 0.0, False) == (False, None)
    assert p.should_run(3.0, 0.5, True) == (True, 3.0)  # a cut always runs
    assert p.should_run(32.9, 0.0, False) == (False, None)
    assert p.should_run(33.0, 0.0, False) == (True, 33.0)  # max interval with no change


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    """10 s: a blue shot with "HELLO" from 2 s; a cut to red at 5 s; a yellow disc moving 6-9 s."""
    script = SceneScript(duration=10, fps=10, size=(480, 270),
                         segments=[Segment(0, 5, (40, 80, 160), 1), Segment(5, 10, (170, 60, 40), 2)],
                         texts=[TextEvent("HELLO", 2.0, 8.0)],
                         shapes=[ShapeEvent("circle", (250, 220, 30), 6.0, 9.0, (0.2, 0.3), (0.8, 0.3))])
    return script.write(tmp_path_factory.mktemp("enc") / "scripted.mp4")


def test_lite_encoder_end_to_end_on_scripted_clip(scripted):
    ing = Ingest(Config(source=SourceConfig(source=str(scripted), speed="max", fps=2)))
    frames = []
    report = ing.run(on_frame=frames.append)
    by_ts = {round(e.frame_ts, 2): e for e in frames}
    assert len(frames) == 20 and report.frames_encoded == 20
    assert [e.frame_ts for e in frames if e.scene_change] == [5.0]  # exactly the cut
    assert by_ts[5.0].kept_ratio == 1.0 and by_ts[0.0].kept_ratio == 1.0
    # static shot before the text: identical frames reuse features (cache) and drop every token
    assert by_ts[0.5].cache_hit and by_ts[1.0].cache_hit and by_ts[1.0].kept_ratio == 0.0
    # the text appears at 2.0: tokens change there, OCR reads it and dates it to 2.0
    assert 0.0 < by_ts[2.0].kept_ratio < 0.6
    read = [e for e in frames if "HELLO" in e.text]
    assert read and read[0].text_since == pytest.approx(2.0)
    assert all(e.frame_ts >= 2.0 for e in read)
    # the moving disc keeps a few tokens per frame; most of the frame is dropped
    assert all(0.0 < by_ts[t].kept_ratio < 0.35 for t in (6.5, 7.0, 7.5, 8.5))
    assert report.token_drop_ratio > 0.6 and report.encoder_cache_hits >= 5
    assert frames[0].embedding.shape == (1280,) and abs(np.linalg.norm(frames[0].embedding) - 1) < 1e-5
    assert frames[0].grid == (14, 24) and frames[0].tokens.shape == (336, 96)  # 480x270 → 384x224 input, stride 16
    assert len(frames[0].labels) == 3


def test_lite_encoder_batch_equals_one_by_one(scripted):
    from vstream.encoders.lite import LiteEncoder

    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 255, (270, 480, 3), dtype=np.uint8) for _ in range(3)]
    frames = [Frame(i, i * 0.5, 0.0, im) for i, im in enumerate(imgs)]
    cfg = EncoderConfig(ocr=False)
    a = LiteEncoder(cfg).encode(frames)
    enc = LiteEncoder(cfg)
    b = [enc.encode([f])[0] for f in frames]
    for x, y in zip(a, b):
        assert torch.allclose(x.tokens, y.tokens, atol=1e-4) and torch.equal(x.kept, y.kept)


def test_hf_backend_missing_weights_is_a_clear_error(tmp_path, scripted):
    proc, elapsed = run_cli("ingest", str(scripted), "--session", str(tmp_path / "s"), "--backend", "hf",
                            "--model", "HuggingFaceTB/SmolVLM2-256M-Video-Instruct")
    assert proc.returncode == 2 and elapsed < 30
    err = proc.stderr.strip()
    assert "not available here" in err and "hf download" in err and "--backend lite" in err
    assert "Traceback" not in err


def test_hf_backend_requires_model(tmp_path, scripted):
    proc, _ = run_cli("ingest", str(scripted), "--session", str(tmp_path / "s"), "--backend", "hf")
    assert proc.returncode == 2 and "--backend hf needs --model" in proc.stderr


def test_text_is_dated_by_its_own_patches_not_by_motion_elsewhere(tmp_path):
    """A disc moves all the time on the left; "GATE 5" appears on the right at 5.0 s and goes at
    9.0 s. OCR runs at most every 2 s, so 'the first change since the last run' would be the
    disc's; the change under the text box dates it exactly."""
    from vstream.senses.text import TextTracker

    clip = SceneScript(duration=12, fps=10, size=(480, 270), segments=[Segment(0, 12, (40, 80, 160), 3)],
                       texts=[TextEvent("GATE 5", 5.0, 9.0, xy=(0.55, 0.8))],
                       shapes=[ShapeEvent("circle", (250, 220, 30), t, t + 2.0, (0.05, 0.25), (0.45, 0.3)) for t in range(0, 12, 2)]
                       ).write(tmp_path / "m.mp4")
    ing = Ingest(Config(source=SourceConfig(source=str(clip), speed="max", fps=2)))
    frames = []
    ing.sink = lambda frame, enc, rows, events: frames.append(enc)
    ing.run()
    assert all(0.0 < e.kept_ratio for e in frames[1:])  # something changes in every frame
    tracker = TextTracker()
    spans = {}
    for e in frames:
        spans.update({id(ev): ev for ev in tracker.update(e)})
    gate = [s for s in spans.values() if s.content == "GATE 5"]
    assert len(gate) == 1 and gate[0].t_start == 5.0 and gate[0].t_end == 9.0
    read = next(e for e in frames if "GATE 5" in e.text)
    assert read.text_since < 5.0  # the global change signal alone would have dated it early


def _ingest_with_reads(clip):
    """Encoded frames, and every gated OCR read (what was cropped and read) in order."""
    ing = Ingest(Config(source=SourceConfig(source=str(clip), speed="max", fps=2)))
    frames, reads = [], []
    read = ing.encoder.reader.read
    ing.encoder.reader.read = lambda *a, **k: reads.append(read(*a, **k)) or reads[-1]
    ing.sink = lambda frame, enc, rows, events: frames.append(enc)
    ing.run()
    return frames, reads


def _spans(frames):
    from vstream.senses.text import TextTracker

    tracker, spans = TextTracker(), {}
    for e in frames:
        spans.update({id(ev): ev for ev in tracker.update(e)})
    return [(s.content, s.t_start, s.t_end) for s in sorted(spans.values(), key=lambda s: (s.t_start, s.content))]


def test_ocr_reads_only_the_changed_region(tmp_path):
    """A disc moves on the left all the time; "EXIT 7" appears in the bottom-right corner at
    4.0 s. The run that reads it crops the changed regions (disc path + text corner), not the
    frame, and the text is still read and dated exactly."""
    clip = SceneScript(duration=10, fps=10, size=(480, 270), segments=[Segment(0, 10, (40, 80, 160), 3)],
                       texts=[TextEvent("EXIT 7", 4.0, 10.0, xy=(0.65, 0.92), scale=1.0)],
                       shapes=[ShapeEvent("circle", (250, 220, 30), t, t + 2.0, (0.06, 0.25), (0.3, 0.25), size=0.06)
                               for t in range(0, 10, 2)]
                       ).write(tmp_path / "corner.mp4")
    frames, reads = _ingest_with_reads(clip)
    first = next(r for r in reads if any(ln.text == "EXIT 7" for ln in r.lines))
    assert not first.full and first.pixels < 0.5 * 480 * 270  # crops, not the whole frame
    text_box = next(ln.box for ln in first.lines if ln.text == "EXIT 7")
    assert any(r[0] <= text_box[0] * 480 and text_box[2] * 480 <= r[2] and r[1] <= text_box[1] * 270 and text_box[3] * 270 <= r[3]
               for r in first.regions)  # the text lies inside one crop
    assert not any(r[0] < 0.5 * 480 and r[3] > 0.75 * 270 for r in first.regions)  # bottom-left never changed: not read
    assert sum(r.full for r in reads) == 1  # only the first frame was read whole
    assert ("EXIT 7", 4.0, 8.0) in _spans(frames)  # open: seen by the last OCR run (8.0)


def test_unchanged_line_stays_visible_when_another_line_changes(tmp_path):
    """Two lines; only the lower one changes at 5.0 s. The gated run reads the lower line's
    region only, and the upper line stays visible (no false "gone", one span for the clip)."""
    clip = SceneScript(duration=10, fps=10, size=(480, 270), segments=[Segment(0, 10, (40, 80, 160), 3)],
                       texts=[TextEvent("TOP LINE", 0.0, 10.0, xy=(0.1, 0.3)), TextEvent("PLATFORM 1", 0.0, 5.0, xy=(0.1, 0.8)),
                              TextEvent("DELAYED 40", 5.0, 10.0, xy=(0.1, 0.8))]).write(tmp_path / "two.mp4")
    frames, reads = _ingest_with_reads(clip)
    after = next(r for r in reads if any(ln.text == "DELAYED 40" for ln in r.lines))
    assert not after.full and all(r[1] > 0.4 * 270 for r in after.regions)  # the upper line was not re-read
    assert [ln.text for ln in after.lines] == ["TOP LINE", "DELAYED 40"]
    spans = _spans(frames)
    assert ("TOP LINE", 0.0, 9.5) in spans and [s for s in spans if s[0] == "TOP LINE"] == [("TOP LINE", 0.0, 9.5)]
    assert ("PLATFORM 1", 0.0, 5.0) in spans and ("DELAYED 40", 5.0, 9.5) in spans


def test_stretch_contrast_widens_hazy_crops_and_leaves_full_range_ones():
    import numpy as np

    from vstream.encoders.ocr import stretch_contrast

    hazy = np.full((40, 80, 3), 190, np.uint8)
    hazy[10:30, 20:60] = 60  # dark text on a washed-out sign: 60 vs 190
    out = stretch_contrast(hazy)
    assert out[0, 0].min() >= 250 and out[20, 30].max() <= 5
    assert stretch_contrast(np.zeros((8, 8, 3), np.uint8)).max() == 0  # flat: untouched
    ramp = np.tile(np.arange(256, dtype=np.uint8)[None, :, None], (4, 1, 3))
    assert np.array_equal(stretch_contrast(ramp), ramp)  # already full range: untouched


@pytest.mark.media
@pytest.mark.timeout(300)
def test_taxi_sign_is_read_on_hazy_bikes_frames():
    """bikes.mp4 frames 60-74 show a roof sign 'TAXI' (~40 px letters, washed-out footage): read
    as shot, PP-OCR found it on 1 of 8 frames; contrast-stretched, on 4."""
    from pathlib import Path

    video = Path(__file__).resolve().parents[2] / "shared" / "media" / "bikes.mp4"
    if not video.exists():
        pytest.skip(f"{video} is absent")
    pytest.importorskip("rapidocr", reason="rapidocr not installed")
    import av

    from vstream.encoders.ocr import read_text

    hits = 0
    with av.open(str(video)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if 60 <= i <= 74 and i % 2 == 0:
                hits += any(ln.text == "TAXI" for ln in read_text(f.to_ndarray(format="rgb24")))
            if i > 74:
                break
    assert hits >= 3, hits


@pytest.mark.media
@pytest.mark.timeout(300)
def test_cuts_on_real_footage_and_no_cut_for_fast_moves():
    """bikes.mp4 cuts at 1.20, 3.04, 5.48, 7.48 s (9.68 is after the last 2 fps frame): the first
    sampled frames after them, and nothing else (a car passes close to the lens at 3.3-4.2 s);
    cockatoo.mp4 has no cut, but the bird pulls back from the lens at ~8 s (hand-held)."""
    from pathlib import Path

    media = Path(__file__).resolve().parents[2] / "shared" / "media"
    if not (media / "bikes.mp4").exists() or not (media / "cockatoo.mp4").exists():
        pytest.skip(f"{media} lacks bikes.mp4 or cockatoo.mp4")
    cuts = {}
    for name in ("bikes.mp4", "cockatoo.mp4"):
        ing = Ingest(Config(source=SourceConfig(source=str(media / name), speed="max", fps=2),
                            encoder=EncoderConfig(ocr=False)))
        frames = []
        ing.run(on_frame=frames.append)
        cuts[name] = [round(e.frame_ts, 2) for e in frames if e.scene_change]
    assert cuts == {"bikes.mp4": [1.52, 3.52, 5.52, 7.52], "cockatoo.mp4": []}
