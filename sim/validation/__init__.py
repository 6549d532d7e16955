"""Theory checks of the model and the validation report (``channelsim check-model``).

One module per kind of check, each exposing a :class:`~sim.validation.registry.Check`:
:mod:`~sim.validation.diffusion` (the discrete Bass recursion in ``pure_diffusion``),
:mod:`~sim.validation.estimator` (the NLS Bass estimator on synthetic and published series),
:mod:`~sim.validation.pricing_check` (the logit–Bertrand equilibrium),
:mod:`~sim.validation.levers` (each lever's direction on common random numbers),
:mod:`~sim.validation.stylised` (SPEC §3's stylised facts) and
:mod:`~sim.validation.accounting` (accounting identities). The runs they need are declared up
front and run once each (:mod:`~sim.validation.runs`); what is measured on a run is in
:mod:`~sim.validation.measures` and :mod:`~sim.validation.identities`, which the tests use too.
:mod:`~sim.validation.report` writes ``docs/validation.md``.
"""
