"""The customer market: a vectorised population of accounts and its diffusion."""
