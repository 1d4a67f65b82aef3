"""``python -m gankit``: the same as the ``gankit`` command."""

import sys

from gankit.cli import main

__all__: list[str] = []

sys.exit(main())
