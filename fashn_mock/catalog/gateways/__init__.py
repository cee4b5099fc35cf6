"""Gateways that resell FASHN: their model lists, parameter dialects and prices, as data."""
