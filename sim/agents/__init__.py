"""Sellers as Mesa agents: the vendor's direct channels and one module per partner role."""

from importlib import import_module

from sim.agents.affiliate import Affiliate
from sim.agents.alliance import Alliance
from sim.agents.base import Partner, Seller, Status
from sim.agents.broker import Broker
from sim.agents.direct import DirectSales, SelfServe
from sim.agents.distributor import Distributor
from sim.agents.isv import Isv
from sim.agents.msp import ManagedServiceProvider
from sim.agents.oem import Oem
from sim.agents.si import SystemIntegrator
from sim.agents.var import ValueAddedReseller
from sim.names import ROLE_MODULES


def _role_class(path: str) -> type[Partner]:
    """The class named by ``module:Class``, which must be a :class:`Partner`."""
    module, name = path.split(":")
    cls = getattr(import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, Partner)):
        raise TypeError(f"{path}: a partner role must be a subclass of sim.agents.base.Partner")
    return cls


ROLE_CLASSES: dict[str, type[Partner]] = {
    ptype: _role_class(path) for ptype, path in ROLE_MODULES.items()
}
"""Implemented partner roles by type name, as registered in :data:`sim.names.ROLE_MODULES`."""

__all__ = [
    "ROLE_CLASSES",
    "Affiliate",
    "Alliance",
    "Broker",
    "DirectSales",
    "Distributor",
    "Isv",
    "ManagedServiceProvider",
    "Oem",
    "Partner",
    "SelfServe",
    "Seller",
    "Status",
    "SystemIntegrator",
    "ValueAddedReseller",
]
