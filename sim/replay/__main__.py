import sys

from sim.replay.app import main

sys.exit(main())
