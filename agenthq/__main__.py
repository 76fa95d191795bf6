"""`python -m agenthq`: the same as the `agenthq` command."""

import sys

from .cli import main

sys.exit(main())
