"""``python -m iadsim`` and the ``iadsim`` console script: the command line (:mod:`iadsim.cli`), with Ctrl-C while
its modules load said in one line and exit status 130, as during a command (Python printed a traceback of whichever
import it interrupted: the command's imports take most of a second)."""

from __future__ import annotations

import sys


def main() -> int:
    """The console entry point: :func:`iadsim.cli.main`, once it has loaded."""
    try:
        from iadsim.cli import main as command
    except KeyboardInterrupt:
        sys.stderr.write("iadsim: interrupted\n")
        return 130
    return command()


if __name__ == "__main__":
    sys.exit(main())
