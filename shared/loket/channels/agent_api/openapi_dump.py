"""`python -m loket.channels.agent_api.openapi_dump` prints the agent API's OpenAPI document (committed as docs/openapi.json)."""

from loket.channels.agent_api.api import dump_openapi

if __name__ == "__main__":
    dump_openapi()
