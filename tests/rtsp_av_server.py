#!/usr/bin/python3
"""A real RTSP camera WITH an audio track, for the speech tests (Debian GStreamer 1.22).

Run under Debian's /usr/bin/python3 (python3-gi does not import inside a venv):
    /usr/bin/python3 tests/rtsp_av_server.py --port 8554 --video clip.rgb --size 160x120 --fps 10 \
        --audio speech.s16 [--rate 16000] [--codec aac|pcmu]
--video holds raw RGB frames back to back, --audio raw mono s16le samples at --rate; both loop
forever and should last equally long (their timestamps start together, so they stay in sync).
Video is H.264 (keyframe every second); audio AAC (rtpmp4gpay, what most IP cameras send
besides G.711) or G.711 mu-law at 8 kHz. One shared pipeline serves every client, as a camera
does. Prints READY <url>; SIGTERM/SIGINT stops it.
"""

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer  # noqa: E402
from rtsp_server import serve  # noqa: E402  (same folder: the video-only server's loop)


def _audio_branch(args) -> str:
    src = (f'multifilesrc location="{args.audio}" loop=true '
           f"! rawaudioparse format=pcm pcm-format=s16le sample-rate={args.rate} num-channels=1 "
           f"! audioconvert ! audioresample ")
    if args.codec == "pcmu":
        return src + "! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1 pt=0"
    return src + "! avenc_aac bitrate=64000 ! rtpmp4gpay name=pay1 pt=97"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--video", required=True)
    ap.add_argument("--audio", required=True)
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--size", default="160x120", help="WxH of the raw RGB frames in --video")
    ap.add_argument("--rate", type=int, default=16000, help="sample rate of the raw s16le mono --audio")
    ap.add_argument("--codec", choices=("aac", "pcmu"), default="aac")
    ap.add_argument("--path", default="/cam")
    args = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    width, height = (int(v) for v in args.size.split("x"))
    factory.set_launch(
        f'( multifilesrc location="{args.video}" loop=true '
        f"! rawvideoparse width={width} height={height} format=rgb framerate={args.fps}/1 "
        f"! videoconvert ! video/x-raw,format=I420 "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.fps} "
        f"! rtph264pay name=pay0 pt=96 config-interval=1 "
        f"{_audio_branch(args)} )"
    )
    factory.set_shared(True)
    server.get_mount_points().add_factory(args.path, factory)
    return serve(server, args.port, args.path)


if __name__ == "__main__":
    sys.exit(main())
