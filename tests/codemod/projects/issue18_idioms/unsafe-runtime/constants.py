# Shared names of the toy project (the issue's `constants.py`).
LHUC_PREFIX = 'lhuc_'
