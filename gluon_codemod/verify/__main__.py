"""`python -m gluon_codemod.verify FILE --build EXPR --input SHAPE`."""
import sys

from . import main

sys.exit(main())
