"""A tiny sequence-to-sequence toolkit in Gluon 1.x style."""
