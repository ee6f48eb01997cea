"""Where the app finds what is not code: built-in lessons and style sheets.

>>> (LESSONS_DIR / "01_autograd_basics.py").is_file()
True
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESOURCES_DIR = PROJECT_ROOT / "resources"
LESSONS_DIR = RESOURCES_DIR / "lessons"
STYLE_DIR = RESOURCES_DIR / "style"
