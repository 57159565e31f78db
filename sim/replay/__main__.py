"""`python -m sim.replay`: see sim.replay.cli."""

import sys

from sim.replay.cli import main

sys.exit(main())
