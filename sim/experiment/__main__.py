import sys

from sim.experiment.runner import main

sys.exit(main())
