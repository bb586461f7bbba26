"""The `vstream` command. Thin: parse arguments into config, call one library function, print.

User mistakes (VStreamError) print one line and exit 2; no traceback.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path

from eval.bench import NAMES as BENCHES
from eval.bench import run_bench
from eval.loaders import load_ovobench, load_streamingbench, summary
from eval.qa import run_qa
from eval.runner import METHODS, RunConfig, run_benchmark
from eval.synth import build_suite
from memory.inspect import inspect_session, search_session
from vstream.answer.compose import fmt_time
from vstream.ask import ask_session
from vstream.cameras import HeartbeatThread, camera_specs
from vstream.config import Config, EncoderConfig, MemoryConfig, SensesConfig, SourceConfig
from vstream.degrade import DegradeConfig, DegradePolicy
from vstream.demo import SAMPLE, run_demo
from vstream.errors import ConfigError, VStreamError
from vstream.logs import setup_logging
from vstream.probe import probe
from vstream.senses.objects import ObjectsConfig
from vstream.session import open_ingest, start_ingest
from vstream.thumbs import ThumbnailStore
from vstream.zygote import die_with_parent


def add_source_options(p: argparse.ArgumentParser, speed_default: str = "realtime") -> None:
    g = p.add_argument_group("source")
    g.add_argument("--fps", type=float, default=2.0, help="sampling rate (default 2)")
    g.add_argument("--speed", default=speed_default, help="files: realtime (1x, as if live) or max (as fast as possible, nothing dropped)")
    g.add_argument("--transport", default="tcp", help="RTSP transport: tcp or udp")
    g.add_argument("--reader", default="pyav", help="pyav or opencv (webcams always use opencv)")
    g.add_argument("--queue-size", type=int, default=8)
    g.add_argument("--drop-policy", default="drop-oldest", help="drop-oldest or keep-latest")
    g.add_argument("--open-timeout", type=float, default=5.0, help="seconds to connect/open")
    g.add_argument("--read-timeout", type=float, default=5.0, help="seconds without data before a reconnect")
    g.add_argument("--max-retries", type=int, default=None, help="reconnect attempts for live sources (default: forever)")
    g.add_argument("--loop", action="store_true", help="files: play again from the start at the end (stream time runs on)")


def source_config(args: argparse.Namespace, source: str):
    return SourceConfig(
        source=source, fps=args.fps, speed=args.speed, transport=args.transport, reader=args.reader,
        queue_size=args.queue_size, drop_policy=args.drop_policy, open_timeout_s=args.open_timeout,
        read_timeout_s=args.read_timeout, max_retries=args.max_retries, loop=args.loop,
    )


def emit(obj, as_json: bool, text: str | None = None) -> None:
    if as_json:
        print(json.dumps(obj, default=str))
    else:
        print(text if text is not None else json.dumps(obj, indent=2, default=str))


# ---- commands ----------------------------------------------------------------------------------
def cmd_probe(args) -> int:
    report = probe(source_config(args, args.source), args.seconds)
    emit(report.to_json(), args.json, report.to_text())
    return 0


def add_encoder_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("encoder and memory")
    g.add_argument("--backend", default="lite", help="lite (offline CPU, default) or hf (a transformers VLM)")
    g.add_argument("--model", default="", help="hf: model id or local directory")
    g.add_argument("--device", default="auto", help="auto, cpu or cuda")
    g.add_argument("--tau", type=float, default=0.9, help="token drop threshold (cosine similarity)")
    g.add_argument("--no-drop", action="store_true", help="keep every patch token")
    g.add_argument("--no-cache", action="store_true", help="run the vision tower on every frame")
    g.add_argument("--no-ocr", action="store_true", help="skip OCR")
    g.add_argument("--memory-mb", type=float, default=64.0, help="memory budget in MB (default 64)")
    g = p.add_argument_group("senses")
    g.add_argument("--detector", default="auto", help="auto (NanoDet when installed), nanodet, hog or none")
    g.add_argument("--zone", action="append", default=[], metavar="NAME:x1,y1,x2,y2,...",
                   help="a named zone in frame fractions (repeatable), e.g. door:0.1,0.2,0.4,0.2,0.4,0.9,0.1,0.9")
    g.add_argument("--no-asr", action="store_true", help="do not transcribe the audio track")
    g.add_argument("--asr-model", default="base",
                   help="speech model: base (packaged, the default), tiny.en (packaged, faster), a model folder or name")


def full_config(args, source: str):
    enc = EncoderConfig(backend=args.backend, model=args.model, device=args.device, tau=args.tau,
                        drop=not args.no_drop, cache=not args.no_cache, ocr=not args.no_ocr)
    return Config(source=source_config(args, source), encoder=enc, memory=MemoryConfig(budget_mb=args.memory_mb),
                  senses=senses_config(args))


def senses_config(args) -> SensesConfig:
    objects = ObjectsConfig(detector=args.detector, zones=tuple(args.zone), fps=args.fps)
    return SensesConfig(objects=objects, asr=not args.no_asr, asr_model=args.asr_model)


class StopOnSigterm:
    """SIGTERM (a camera runner's stop, `kill`, systemd) ends `vstream ingest` the way Ctrl-C
    does: the loop stops, indexes are saved and the session is marked closed cleanly. Without
    it Python dies at once and the session stays closed_cleanly=false. A signal before the ingest
    exists is remembered and honoured as soon as it does."""

    def __init__(self):
        self.fired = False
        self.ingest = None
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame) -> None:
        self.fired = True
        if self.ingest is not None:
            self.ingest.request_stop()

    def attach(self, ingest) -> bool:
        """True if a SIGTERM came already (the caller closes and exits)."""
        self.ingest = ingest
        return self.fired


def cmd_ingest(args) -> int:
    sigterm = StopOnSigterm()
    cfg = full_config(args, args.source)
    created = not Path(args.session).exists()
    mode = "append" if args.append else "resume" if args.resume else "auto"
    ingest = open_ingest(cfg, args.session, mode=mode)
    if args.heartbeat and not args.no_degrade:
        ingest.degrade = DegradePolicy(cfg.source.fps, DegradeConfig(target_lag_s=args.lag_target, warmup_s=10.0))
    if sigterm.attach(ingest):
        ingest.close()
        return 128 + signal.SIGTERM
    deadline = time.monotonic() + args.seconds if args.seconds else None
    info = start_ingest(ingest, created)
    beats = _heartbeats(ingest, args)
    report = _run_ingest(ingest, info, args, deadline, beats)
    emit(report.to_json(), args.json, json.dumps(report.to_json(), indent=2))
    return 128 + signal.SIGTERM if sigterm.fired else 0


def _heartbeats(ingest, args) -> HeartbeatThread | None:
    """--heartbeat NAME: <session>/ingest.status.json about once a second (a camera runner's liveness)."""
    if not args.heartbeat:
        return None
    return HeartbeatThread(Path(args.session), lambda: ingest.heartbeat(args.heartbeat)).start()


def _run_ingest(ingest, info, args, deadline, beats):
    bar = _progress(info, args)
    # Thumbnails beside the session (as the Assistant keeps them): a camera grid or a loaded
    # session shows the frame behind a cited time; ~10 KB each, capped by count (vstream/thumbs.py).
    thumbs = ThumbnailStore(Path(args.session) / "thumbs")

    def sink(frame, enc, rows, events):
        thumbs.add(frame.ts, frame.image)
        if bar is not None:
            bar.update(round(enc.frame_ts - bar.n, 2))

    ingest.sink = sink
    try:
        report = ingest.run(deadline=deadline)
    except KeyboardInterrupt:
        report = ingest.report()
    finally:
        ingest.close()
        if beats is not None:
            beats.stop(final=ingest.heartbeat(args.heartbeat, state="ended"))
        if bar is not None:
            bar.close()
    return report


def _progress(info, args):
    """A tqdm bar over stream seconds for a file read at max speed (long work), on stderr."""
    if info.live or info.duration_s is None or args.speed != "max" or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=round(info.duration_s, 2), unit="s", desc="ingest", file=sys.stderr, bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}]")


def cmd_memory(args) -> int:
    if args.action == "inspect":
        out = inspect_session(args.session)
        emit(out, args.json, out["text"] if not args.json else None)
    else:
        out = search_session(args.session, args.query, args.k, args.at)
        emit(out, args.json, out["text"] if not args.json else None)
    return 0


def cmd_ask(args) -> int:
    stream = (lambda p: print(p, end="", flush=True)) if not args.json else None
    answer = ask_session(args.session, args.question, args.at, args.answerer, on_piece=stream)
    if args.json:
        print(json.dumps(answer.to_json()))
    else:
        cites = ", ".join(f"[{fmt_time(c.t_start)}–{fmt_time(c.t_end)}]" for c in answer.citations)
        print(f"\n  cited: {cites}  ({answer.latency_s * 1000:.0f} ms, first token {answer.ttft_s * 1000:.0f} ms)")
    return 0


def cmd_demo(args) -> int:
    """The main job: the assistant watches the bundled sample (played as live, or --speed max),
    answers a few questions with cited times, and prints its alerts."""
    out = run_demo(full_config(args, args.source or str(bundled_sample())), args.session, args.json)
    if args.json:
        print(json.dumps(out))
    return 0


def bundled_sample():
    path = SAMPLE
    if not path.exists():
        raise VStreamError(f"bundled sample {path} is missing — pass --source PATH, or re-clone the repository")
    return path


def cmd_eval(args) -> int:
    if args.benchmark == "synth":
        out = build_suite(args.out, args.size)
        if not args.no_run:
            out["report"] = _run_eval(load_streamingbench(out["questions_file"]), args, Path(args.out) / "videos", Path(args.out) / "results")
        emit(out, args.json, None if args.json else json.dumps(out, indent=1))
        return 0
    if args.benchmark == "qa":
        return _eval_qa(args)
    if args.benchmark == "streamingbench":
        if not args.questions:
                    raise VStreamError("eval streamingbench needs --questions FILE (one of StreamingBench's questions_*.json)")
        qs, records = load_streamingbench(args.questions), None
    else:
        if not args.annotations:
                    raise VStreamError("eval ovobench needs --annotations FILE (OVO-Bench's ovo_bench_new.json)")
        qs, records = load_ovobench(args.annotations)
    if args.dry_run:
        out = summary(qs, records)
        emit(out, args.json, json.dumps(out, indent=1))
        return 0
    if not args.videos:
            raise VStreamError("a real run needs --videos DIR (the benchmark's videos); or use --dry-run to validate the annotations")
    report = _run_eval(qs, args, Path(args.videos), Path(args.out))
    emit(report, args.json, None if args.json else (Path(args.out) / "report.md").read_text())
    return 0


def _eval_qa(args) -> int:
    """Our own question sets on real and generated clips (eval/qa/*.json)."""
    if not args.set:
        raise VStreamError("eval qa needs --set FILE.json (e.g. eval/qa/dev.json)")
    enc = EncoderConfig(backend=args.backend, model=args.model, device=args.device)
    cfg = Config(source=SourceConfig(fps=args.fps), encoder=enc, senses=senses_config(args))
    report = run_qa(Path(args.set), Path(args.out), cfg, media=[Path(m) for m in args.media], progress=not args.json)
    emit(report.to_json(), args.json, None if args.json else report.to_markdown())
    return 0


def _run_eval(qs, args, videos, out):

    methods = tuple(m.strip() for m in args.methods.split(",")) if args.methods else METHODS
    bad = [m for m in methods if m not in METHODS]
    if bad:
            raise VStreamError(f"unknown method(s) {', '.join(bad)}; use some of: {', '.join(METHODS)}")
    enc = EncoderConfig(backend=args.backend, model=args.model, device=args.device)
    cfg = RunConfig(videos=videos, out=out, methods=methods, context_s=args.context_s, fps=args.fps, limit=args.limit,
                    progress=not args.json, encoder=enc, senses=senses_config(args))
    return run_benchmark(qs, cfg)


def cmd_serve(args) -> int:
    from app.server import parse_auth, serve  # Gradio and FastAPI load only for `serve` (seconds)

    parse_auth(args.auth)  # a malformed --auth fails before anything starts
    cfg = full_config(args, args.source or "")
    # Names, duplicates and the TOML are checked before anything starts; folders come later.
    cameras = camera_specs(args.camera, args.config, Path("."), args.fps) if (args.camera or args.config) else None
    if args.ray:
        if not cameras:
            raise ConfigError("--ray places cameras on a cluster: add --camera NAME=SOURCE or --config cameras.toml")
        from vstream.cluster import import_ray

        import_ray()  # a missing extra fails here, in one line, before anything starts
    serve(cfg, args.source, args.host, args.port, args.auth, args.sessions, args.max_upload_mb,
          media_dirs=args.media_dir, allow_source=args.allow_source, answer_timeout_s=args.answer_timeout,
          cameras=cameras, ray_address=args.ray)
    return 0


def cmd_bench(args) -> int:
    emit(run_bench(args.what, args), True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="vstream", description="Real-time streaming video-understanding assistant.")
    ap.add_argument("--log-level", default=None, help="debug, info, warning (default) or error")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("probe", help="check a source: resolution, fps, first-frame time, lag, reconnects")
    p.add_argument("source", help="file path, rtsp://…, http(s)://…, webcam index (0) or /dev/videoN, testsrc")
    p.add_argument("--seconds", type=float, default=5.0, help="how long to read (default 5)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    add_source_options(p)
    p.set_defaults(func=cmd_probe)

    p = sub.add_parser(
        "ingest", help="watch a source and write its memory to a session folder",
        description="Watch a source and write its memory to a session folder. One writer per session: a second "
                    "ingest into a session being written is refused (exit 2, naming the writer's PID); readers "
                    "(ask, memory) work meanwhile. Into a session that already holds memory, the same file "
                    "resumes after the last committed time (nothing is stored twice); --append starts a new "
                    "epoch on a continued clock instead (stream time begins at the last committed time), and "
                    "is required for another source. A folder that is not a session is refused.")
    p.add_argument("source")
    p.add_argument("--session", required=True, help="session folder (created if missing; reopened if it exists)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--resume", action="store_true",
                   help="same file again: skip frames before the last committed time (the default for the same file)")
    g.add_argument("--append", action="store_true",
                   help="a new epoch on a continued clock, after the last committed time (needed for another "
                        "source; the default for the same live source)")
    p.add_argument("--seconds", type=float, default=None, help="stop after this many wall seconds")
    p.add_argument("--json", action="store_true")
    g = p.add_argument_group("camera (run by `serve --camera`)")
    g.add_argument("--heartbeat", default=None, metavar="NAME",
                   help="write <session>/ingest.status.json about once a second as camera NAME; turns on degradation")
    g.add_argument("--lag-target", type=float, default=1.0,
                   help="degradation: step down (lower fps, then skip OCR, detector, ASR) while lag p95 exceeds this (s)")
    g.add_argument("--no-degrade", action="store_true", help="with --heartbeat: never degrade")
    add_source_options(p)
    add_encoder_options(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("memory", help="inspect or search a session's memory")
    msub = p.add_subparsers(dest="action", required=True)
    q = msub.add_parser("inspect", help="levels, counts, bytes, time coverage")
    q.add_argument("--session", required=True)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_memory)
    q = msub.add_parser("search", help="ranked entries with their times")
    q.add_argument("query", help="what to look for")
    q.add_argument("--session", required=True)
    q.add_argument("-k", type=int, default=8)
    q.add_argument("--at", type=float, default=None, help="search as of this stream time (seconds)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_memory)

    p = sub.add_parser("ask", help="answer a question from a session's memory, citing times")
    p.add_argument("question")
    p.add_argument("--session", required=True)
    p.add_argument("--at", type=float, default=None, help="ask as of this stream time (seconds); default: the latest")
    p.add_argument("--answerer", default="template", choices=["template", "smollm2"], help="lite answer composer")
    p.add_argument("--json", action="store_true", help="one JSON object: answer, citations, latency_s, ttft_s")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("demo", help="run the assistant on the bundled sample (or --source)")
    p.add_argument("--source", default=None)
    p.add_argument("--session", default=None, help="keep the memory in this folder (default: a temporary one)")
    p.add_argument("--json", action="store_true")
    add_source_options(p, speed_default="max")
    add_encoder_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="the web UI and HTTP API (OpenAI-style chat, SSE events, /metrics)")
    p.add_argument("--source", default=None, help="start watching this source right away")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", default=None, help="user:password for the UI and API (or VSTREAM_AUTH)")
    p.add_argument("--sessions", default=None, help="folder for session memories (default: one temporary folder, removed at exit)")
    p.add_argument("--max-upload-mb", type=int, default=500)
    p.add_argument("--media-dir", action="append", default=None,
                   help="folder whose videos clients may open (repeatable; or VSTREAM_MEDIA_DIR); default: uploads only")
    p.add_argument("--allow-source", default=None,
                   help="source kinds clients may start: local,rtsp,http,testsrc,webcam,push or all; +http adds to the "
                        "default local,rtsp,testsrc,webcam,push (or VSTREAM_ALLOW_SOURCE)")
    p.add_argument("--answer-timeout", type=float, default=None, help="seconds one API answer may take (default 30)")
    p.add_argument("--camera", action="append", default=[], metavar="NAME=SOURCE",
                   help="watch this camera in its own ingest process, session <sessions>/NAME (repeatable)")
    p.add_argument("--ray", default=None, metavar="ADDRESS",
                   help="run each camera's ingest as a Ray actor on this cluster (HOST:PORT, or 'local'); "
                        "--sessions must be a folder every node sees; needs pip install 'vstream[cluster]'")
    p.add_argument("--config", default=None, metavar="cameras.toml",
                   help="cameras from a TOML file: [[camera]] name=…, source=…, fps=…, options=[…]")
    add_source_options(p)
    add_encoder_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="StreamingBench / OVO-Bench evaluation and the synthetic suite")
    p.add_argument("benchmark", choices=["streamingbench", "ovobench", "synth", "qa"])
    p.add_argument("--set", help="qa: a question set (eval/qa/dev.json format)")
    p.add_argument("--media", action="append", default=[], help="qa: folder to find 'media:' videos in (repeatable)")
    p.add_argument("--detector", default="auto", help="auto, nanodet, hog or none")
    p.add_argument("--zone", action="append", default=[])
    p.add_argument("--no-asr", action="store_true")
    p.add_argument("--asr-model", default="base")
    p.add_argument("--questions", help="streamingbench: a questions_*.json file")
    p.add_argument("--annotations", help="ovobench: ovo_bench_new.json")
    p.add_argument("--videos", help="folder with the benchmark's videos")
    p.add_argument("--out", default="runs/eval", help="results folder (results.jsonl is resumable) / synth: suite folder")
    p.add_argument("--size", default="small", choices=["tiny", "small", "full"], help="synth: suite size")
    p.add_argument("--no-run", action="store_true", help="synth: only write the suite")
    p.add_argument("--dry-run", action="store_true", help="validate annotations; print counts")
    p.add_argument("--methods", default=None, help="comma list of ours,last4,uniform8 (default: all)")
    p.add_argument("--context-s", type=float, default=None, help="context window in seconds (60 = leaderboard); default full history")
    p.add_argument("--fps", type=float, default=2.0)
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    p.add_argument("--backend", default="lite", help="lite, or hf: the VLM answers ('ours') over its KV blocks")
    p.add_argument("--model", default="", help="hf: model id or local directory")
    p.add_argument("--device", default="auto")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="benchmarks that print JSON")
    p.add_argument("what", choices=list(BENCHES), help="which benchmark")
    p.add_argument("--file", default=None, help="video to use (default: the bundled sample)")
    p.add_argument("--fps", type=float, default=2.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="encode: skip the tau sweep")
    p.add_argument("--hf-frames", type=int, default=6, help="encode: frames for the hf tower timing (0 to skip)")
    p.add_argument("--hours", type=float, default=2.0, help="memory/respond: stream hours of vtest.avi looped (0 to skip)")
    p.add_argument("--entries", type=int, default=100_000, help="memory: index size for the retrieval timing")
    p.add_argument("--n", default="1,2,4", help="cameras: camera counts to run, comma separated (e.g. 1,2,4,8)")
    p.add_argument("--seconds", type=float, default=30.0, help="cameras: seconds to measure each count")
    p.add_argument("--source", default=None, help="cameras: every camera's source (default testsrc 320x240; a file loops)")
    p.set_defaults(func=cmd_bench)
    return ap


def main(argv: list[str] | None = None) -> int:
    die_with_parent()  # a camera server's spawned ingest: end with the server (vstream.zygote.child_env)
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        setup_logging(args.log_level)
        return int(args.func(args) or 0)
    except VStreamError as e:
        print(f"vstream: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("vstream: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
