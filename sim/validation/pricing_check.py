"""The logit–Bertrand equilibrium check (issue 11 item 4): a slot until best-response pricing."""

from __future__ import annotations

from sim.validation.registry import NOT_AVAILABLE, Check, CheckResult, Context

WHAT = "resellers' margins vs the symmetric logit–Bertrand equilibrium, 1–8 resellers"


def logit_bertrand(ctx: Context) -> list[CheckResult]:
    """Not available until best-response pricing is in the code base."""
    del ctx
    return [CheckResult("logit_bertrand", WHAT, "—", "—", "—", NOT_AVAILABLE)]


CHECK = Check("logit_bertrand", "best-response margins match logit–Bertrand", logit_bertrand)
