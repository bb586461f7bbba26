"""vstream: a real-time streaming video-understanding assistant.

Heavy parts (torch, transformers, faiss, gradio) are imported lazily by the modules that need
them, so `import vstream` and `vstream --help` stay fast.
"""

import os

# Before torch loads libgomp: its threads otherwise spin at every barrier, and on 2 cores shared
# with the decoder, ASR, OCR (and other processes) a descheduled thread stalls the rest. Measured
# here at load ~11: NanoDet 2.75 s → 0.20 s a frame, MobileNetV2 2.9 s → 0.11 s (quiet: not measured).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
