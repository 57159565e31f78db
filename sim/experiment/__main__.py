import sys

from sim.experiment.cli import main

sys.exit(main())
