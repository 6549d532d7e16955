"""Post-run analysis: Bass diffusion fitting and inequality measures."""
