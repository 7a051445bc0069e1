"""``python -m salescope``: the same command line as ``salescope``."""

from salescope.cli import main

if __name__ == "__main__":
    main()
