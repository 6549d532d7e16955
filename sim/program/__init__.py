"""Partner-program rules, each a small mechanism registered by name."""
