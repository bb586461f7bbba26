#!/usr/bin/python3
"""A real RTSP server for tests (Debian GStreamer 1.22 gst-rtsp-server), loopback only.

Run under Debian's /usr/bin/python3 (python3-gi does not import inside a venv):
    /usr/bin/python3 tests/rtsp_server.py --port 8554 --file clip.rgb --size 320x240 --fps 10 [--path /cam]
The file holds raw RGB frames (WxH given by --size) back to back; the server loops it forever
(multifilesrc loop; rawvideoparse keeps timestamps running across loops), encodes H.264 with a
keyframe every second, and paces it at real time by its clock. One shared pipeline
serves every client, as a camera does. SIGTERM/SIGINT stops it cleanly.
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--size", default="320x240", help="WxH of the raw RGB frames in --file")
    ap.add_argument("--path", default="/cam")
    ap.add_argument("--user", default="")
    ap.add_argument("--password", default="")
    args = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    width, height = (int(v) for v in args.size.split("x"))
    factory.set_launch(
        f'( multifilesrc location="{args.file}" loop=true '
        f"! rawvideoparse width={width} height={height} format=rgb framerate={args.fps}/1 "
        f"! videoconvert ! video/x-raw,format=I420 "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.fps} "
        f"! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
    factory.set_shared(True)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
        perms = GstRtspServer.RTSPPermissions()
        perms.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
        perms.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
        factory.set_permissions(perms)
    server.get_mount_points().add_factory(args.path, factory)
    return serve(server, args.port, args.path)


def serve(server, port: int, path: str) -> int:
    """Attach the server on loopback, print READY for the test fixture, run until SIGTERM/SIGINT."""
    if server.attach(None) == 0:
        print(f"cannot bind 127.0.0.1:{port}", file=sys.stderr, flush=True)
        return 1
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY rtsp://127.0.0.1:{port}{path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
