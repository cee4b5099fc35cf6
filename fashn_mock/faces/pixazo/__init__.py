"""The Pixazo face: FASHN try-on v1.6 as the Pixazo gateway sells it
(docs/api-facts.md#pixazo), on the same engine, server and port as the native API.

``routes`` are its endpoints (``routes.py``), ``bodies`` its JSON in and out,
``errors`` its one error table, ``JOURNAL`` how the journal reads it; its model, enum
mapping, error codes and price are data in ``catalog.gateways.pixazo``.
"""

from fashn_mock.catalog.gateways.pixazo import BASES
from fashn_mock.faces.pixazo.journal import JOURNAL
from fashn_mock.faces.pixazo.routes import PREFIX, owns, routes

__all__ = ["BASES", "JOURNAL", "PREFIX", "owns", "routes"]
