import sys

from aip_trainer.cli import main

sys.exit(main())
