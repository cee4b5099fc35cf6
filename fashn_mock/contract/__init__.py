"""The contract: the OpenAPI document generated from the catalog."""
