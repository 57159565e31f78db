import sys

from sim.validate.cli import main

sys.exit(main())
