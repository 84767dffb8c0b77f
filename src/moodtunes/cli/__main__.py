"""`python -m moodtunes.cli`, the same as the `moodtunes` command."""

import sys

from moodtunes.cli import main

sys.exit(main())
