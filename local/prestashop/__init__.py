"""A PrestaShop 8.1 webservice simulator for tests, benchmarks and the local stack.

from local.prestashop import ShopSimulator, SimulatorConfig

with ShopSimulator(SimulatorConfig(products=20, combinations=3, orders=10)) as sim:
    ...  # sim.url, sim.config.key, sim.data, sim.requests, sim.inject_fault(...)

``SimulatorConfig.dataset``: "generated" (default, a clean catalogue of any size, generator.py),
"fixture" (the records of the recorded requests), "demo" (the recorded PrestaShop 8.1.2 demo shop,
demo.py) or "messy" (the demo shop plus generated real-world mess, messy.py).
"""

from local.prestashop.data import OrderLine, ShopData
from local.prestashop.instrumentation import FAULT_KINDS, RequestRecord
from local.prestashop.server import ShopSimulator, SimulatorConfig

__all__ = ["FAULT_KINDS", "OrderLine", "RequestRecord", "ShopData", "ShopSimulator", "SimulatorConfig"]
