"""``python -m flask_pyjamas.build PAGE.py``: the same as the ``pyjsbuild`` command."""

import sys

from .pyjsbuild import main

sys.exit(main())
