"""python -m claimgraph.ontology.checks: run the quality checks (see the package docstring)."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
