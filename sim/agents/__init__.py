"""Sellers as Mesa agents: the vendor's direct channels and one module per partner role."""

from sim.agents.affiliate import Affiliate
from sim.agents.base import Partner, Seller, Status
from sim.agents.direct import DirectSales, SelfServe
from sim.agents.distributor import Distributor
from sim.agents.msp import ManagedServiceProvider
from sim.agents.si import SystemIntegrator
from sim.agents.var import ValueAddedReseller

ROLE_CLASSES: dict[str, type[Partner]] = {
    "distributor": Distributor,
    "var": ValueAddedReseller,
    "si": SystemIntegrator,
    "msp": ManagedServiceProvider,
    "affiliate": Affiliate,
}
"""Implemented partner roles by type name."""

__all__ = [
    "ROLE_CLASSES",
    "Affiliate",
    "DirectSales",
    "Distributor",
    "ManagedServiceProvider",
    "Partner",
    "SelfServe",
    "Seller",
    "Status",
    "SystemIntegrator",
    "ValueAddedReseller",
]
