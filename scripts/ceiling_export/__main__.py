"""`python -m ceiling_export ...` (with scripts/ on the module path) runs the same command line
as `python scripts/export_torch.py ...`."""
import sys

from .cli import main

sys.exit(main())
