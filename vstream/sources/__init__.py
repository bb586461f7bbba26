"""Frame sources behind one ABC, picked from a --source string (see `open_source`)."""

from vstream.sources.base import FrameSource, RawFrame
from vstream.sources.factory import SourceSpec, make_source, parse_source

__all__ = ["FrameSource", "RawFrame", "SourceSpec", "make_source", "parse_source"]
