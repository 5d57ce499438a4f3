"""HTTP APIs: schemas, errors and routers shared by the API functions."""
