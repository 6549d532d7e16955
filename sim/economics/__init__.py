"""Pure economics: the price waterfall and the customer's choice."""
