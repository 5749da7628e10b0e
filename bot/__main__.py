"""``python -m bot`` is the same as ``coc-bot``."""

import sys

from bot.cli import main

sys.exit(main())
