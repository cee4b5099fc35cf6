"""HTTP faces: thin Starlette translations over the engine."""
