"""Gateways that resell FASHN behind their own API: each one's models, parameter
forms, prices and rate windows, as data beside the native catalog. Import each
gateway's module explicitly (``from fashn_mock.catalog.gateways import concurred``)."""
