"""The agent API's settings: caps on agents' files, and the user pool agents sign in with."""

from __future__ import annotations

from dataclasses import dataclass

from loket.platform.config import EnvSettings


@dataclass(frozen=True, kw_only=True)
class AgentApiSettings(EnvSettings):
    # agents' files for replies and notes (POST /v1/uploads): a raw upload stays under Lambda's 6 MB request
    # payload once base64-encoded; one entry's files stay under SES's 10 MB message once mailed
    agent_upload_max_bytes: int = 4 * 1024 * 1024
    agent_entry_max_bytes: int = 6 * 1024 * 1024
    agent_entry_max_files: int = 5
    # the Cognito user pool of agents: creating an agent (POST /v1/admin/agents) creates their login there
    user_pool_id: str = ""
