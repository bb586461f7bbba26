"""Senses: perception that turns frames (and audio) into evidence rows."""
