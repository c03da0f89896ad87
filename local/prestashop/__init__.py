"""A PrestaShop 8.1 webservice simulator for tests, benchmarks and the local stack.

from local.prestashop import ShopSimulator, SimulatorConfig

with ShopSimulator(SimulatorConfig(products=20, combinations=3, orders=10)) as sim:
    ...  # sim.url, sim.config.key, sim.data, sim.requests, sim.inject_fault(...)
"""

from local.prestashop.data import OrderLine, ShopData
from local.prestashop.instrumentation import FAULT_KINDS, RequestRecord
from local.prestashop.server import ShopSimulator, SimulatorConfig

__all__ = ["FAULT_KINDS", "OrderLine", "RequestRecord", "ShopData", "ShopSimulator", "SimulatorConfig"]
