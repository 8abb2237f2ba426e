"""``python -m spotcheck_rules.core.codes``: every code, one line each (as ``spotcheck codes``)."""

import sys

from . import CATALOGUE, codes_text

if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(codes_text(CATALOGUE.values()))
