"""`python -m loket.api.openapi_dump` prints the agent API's OpenAPI document (committed as docs/openapi.json)."""

from loket.api.agent import dump_openapi

if __name__ == "__main__":
    dump_openapi()
