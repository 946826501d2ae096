"""Textual CSS for the console (shipped as package data)."""

from pathlib import Path

STYLES_DIR = Path(__file__).parent
