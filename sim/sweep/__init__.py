"""Sweeps: many runs of one base scenario over a design of levers and uncertainties."""
