"""Answering questions from memory: context assembly, answerers (template, SmolLM2, VLM)."""
