"""Start the autograd visualiser: the window, or one of the headless commands.

    python main.py                      open the window
    python main.py LESSON.py            open a lesson (or a saved SESSION.json)
    python main.py trace --x "arange(4.0)" --expr "2 * dot(x, x)"
    python main.py run LESSON.py        run a lesson and print what each cell shows
    python main.py export ... --out graph.png
    python main.py check FILE           validate a lesson or session without opening a window

Headless commands never import Qt; ``python main.py COMMAND --help`` lists their options.
"""

from __future__ import annotations

import sys

HEADLESS_COMMANDS = ("trace", "run", "export", "check")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HEADLESS_COMMANDS:
        from gui.commands.cli import main as run_command

        return run_command(args)
    if args and args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    from gui.window.app import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
