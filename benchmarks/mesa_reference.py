"""Plain Mesa 3.5 reference model: one ``mesa.Agent`` per account.

This is how the model would typically be written "the Mesa way", and it is the baseline that
ChannelSim's throughput is compared with. Each period:

1. the model computes the awareness probability ``min(1, p + q·C/N)`` from the customer count
   ``C`` at the start of the period (Bass innovation plus word of mouth);
2. ``self.agents.shuffle_do("step")`` steps every account in random order. An unaware account
   becomes aware with that probability. An aware account (including one that just became aware)
   evaluates with probability ``e``: it computes a utility for each of the K offers,
   ``value_fit_k − price_sensitivity·price_k/budget + service_weight·service_k`` (no noise term),
   adds the outside option (the rival, utility 0) and picks one alternative by multinomial logit
   with its own uniform draw. Choosing an offer makes it a customer; choosing the rival makes it
   lost (for good).

The states use the same codes as ``numpy_kernel`` (0 unaware, 1 aware, 3 customer) plus 4 lost.
Randomness comes from the model's seeded generators only (``self.rng`` for the set-up draws,
``self.random`` for the per-agent draws and the shuffle).
"""

from __future__ import annotations

import math

import mesa

UNAWARE = 0
AWARE = 1
CUSTOMER = 3
LOST = 4


class Account(mesa.Agent):
    """One account: its awareness state and its own taste for the offers."""

    def __init__(
        self,
        model: MesaReferenceModel,
        value_fit: list[float],
        price_sensitivity: float,
        budget: float,
    ) -> None:
        super().__init__(model)
        self.state: int = UNAWARE
        self.offer: int = -1
        self.value_fit = value_fit
        self.price_sensitivity = price_sensitivity
        self.budget = budget

    def step(self) -> None:
        model: MesaReferenceModel = self.model
        if self.state == UNAWARE and self.random.random() < model.awareness_prob:
            self.state = AWARE
        if self.state == AWARE and self.random.random() < model.evaluate_prob:
            self.choose()

    def choose(self) -> None:
        """Pick an offer or the rival by multinomial logit."""
        model: MesaReferenceModel = self.model
        price_weight = self.price_sensitivity / self.budget
        weights = [
            math.exp(fit - price_weight * price + model.service_weight * service)
            for fit, price, service in zip(self.value_fit, model.prices, model.service, strict=True)
        ]
        total = 1.0 + sum(weights)  # the rival's utility is 0, so its weight is exp(0) = 1
        draw = self.random.random() * total
        cumulative = 0.0
        for k, weight in enumerate(weights):
            cumulative += weight
            if draw < cumulative:
                self.state = CUSTOMER
                self.offer = k
                model.customers += 1
                return
        self.state = LOST


class MesaReferenceModel(mesa.Model):
    """N accounts, K offers, Bass awareness and logit choice; one agent per account."""

    def __init__(
        self,
        n: int,
        seed: int = 1,
        p: float = 0.01,
        q: float = 0.3,
        e: float = 0.2,
        n_offers: int = 5,
        service_weight: float = 0.5,
    ) -> None:
        super().__init__(rng=seed)
        if n <= 0:
            raise ValueError(f"n must be positive, got {n}")
        self.n = n
        self.p = p
        self.q = q
        self.evaluate_prob = e
        self.service_weight = service_weight
        self.customers = 0
        self.awareness_prob = 0.0
        self.prices: list[float] = self.rng.uniform(80.0, 120.0, size=n_offers).tolist()
        self.service: list[float] = self.rng.uniform(0.0, 1.0, size=n_offers).tolist()
        value_fit = self.rng.normal(1.0, 0.5, size=(n, n_offers)).tolist()
        price_sensitivity = self.rng.lognormal(0.0, 0.3, size=n).tolist()
        budget = self.rng.lognormal(math.log(100.0), 0.3, size=n).tolist()
        Account.create_agents(
            self,
            n,
            value_fit=value_fit,
            price_sensitivity=price_sensitivity,
            budget=budget,
        )

    def step(self) -> None:
        self.awareness_prob = min(1.0, self.p + self.q * self.customers / self.n)
        self.agents.shuffle_do("step")

    def customer_count(self) -> int:
        """Count the customers by inspecting the agents (cross-checks the running counter)."""
        return sum(1 for agent in self.agents if agent.state == CUSTOMER)


def run_mesa_reference(n: int, periods: int, seed: int = 1) -> int:
    """Build the reference model, step it ``periods`` times; return the final customer count."""
    model = MesaReferenceModel(n, seed=seed)
    for _ in range(periods):
        model.step()
    return model.customer_count()


if __name__ == "__main__":
    import time

    t0 = time.perf_counter()
    result = run_mesa_reference(10_000, 12)
    elapsed = time.perf_counter() - t0
    print(f"mesa reference 10k x 12: {result} customers in {elapsed:.3f} s")
