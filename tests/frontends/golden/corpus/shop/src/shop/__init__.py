"""A small Gluon 1.x library split over modules, with a scripts folder and tests."""
from .layers import PosEmbed, Scale  # re-exported
