"""The phases of a period and the mechanisms they call, one module each (wired in sim/model.py).

Where each mechanism lives, in the order of a period:

==========================  ====================================================================
``seller_arrays``           sellers' slowly changing attributes as typed arrays, and their cache
``seller_table``            this period's seller table: who can bid, bid probability, incumbency
``awareness``               Bass awareness with vendor, MDF and affiliate marketing; its cause
``evaluation``              organic evaluations, vendor leads (routing in ``sim.sales.leads``),
                            affiliate referrals (``sim.agents.affiliate.AffiliateNetwork``)
``pricing``                 list prices per seat now (revenue model, managed offers)
``deal_terms``              price waterfall, services, cycle lengths, the opportunity book
``choice_outcomes``         accounts lost to the rival or undecided; bid and conflict counts
``fulfilment``              won deals queued at desks, cycle completion, two-tier shipping
``billing_phase``           new contracts, recurring billing, renewals, churn, returns to market
``flows``                   the period's money flows by seller
``partner_ledger``          flows posted to sellers' ledgers (two-tier purchases included)
``mdf``                     MDF spent on local marketing and accrued from purchases
``tier_review``             program tiers: reviews, benefits into discount and per-seller arrays
``capacity``                desk slots following commitment
``recruitment``             initial partners, recruitment, onboarding, two-tier links
``vendor``                  the vendor's own costs (marketing, direct team, programme)
``period``                  what phases share: per-period rates, counters, cost lines, clock
==========================  ====================================================================

Offers and choice themselves are :func:`sim.sales.offers.choose`; partners' end-of-period
decisions (effort, commitment, trust, exit) are :mod:`sim.agents.updates`; what differs between
partner roles is in each role's module, ``sim/agents/<role>.py``, registered in
``sim.agents.ROLE_CLASSES``.
"""
