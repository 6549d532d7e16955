"""The phases of a period and the mechanisms they call, one module each (see sim/model.py)."""
