"""``python -m jupyter_itbridge.cli``: the same as ``jupyter itbridge``."""

from . import main

if __name__ == "__main__":
    main()
