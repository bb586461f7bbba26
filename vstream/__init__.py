"""vstream: a real-time streaming video-understanding assistant.

Heavy parts (torch, transformers, faiss, gradio) are imported lazily by the modules that need
them, so `import vstream` and `vstream --help` stay fast.
"""

__version__ = "0.1.0"
