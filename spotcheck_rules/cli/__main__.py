"""``python -m spotcheck_rules.cli``: the ``spotcheck`` command, for when the script is not on PATH."""

import sys

from .app import main

sys.exit(main())
