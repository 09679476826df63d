"""The ``regimen`` console script.

``--version`` is answered here without importing click or anything else, so asking for the
version is as fast as starting Python; everything else goes to :mod:`regimen.cli`.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``regimen`` command."""
    if sys.argv[1:] == ["--version"]:
        from regimen import __version__

        sys.stdout.write(f"regimen {__version__}\n")
        return
    from regimen.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
