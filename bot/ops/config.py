"""Operations settings: the ``[metrics]`` endpoint (process-wide) and ``[privacy]`` (per
community: exports and message-text retention)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class MetricsSettings(BaseModel):
    """A Prometheus endpoint served by ``hearth run`` (one per process: scrape each one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(False, description="Serve Prometheus metrics while `hearth run` runs.")
    host: str = Field(
        "127.0.0.1",
        description="Address to listen on; 0.0.0.0 exposes it to the network (put it behind "
        "a firewall: the endpoint has no authentication).",
    )
    port: int = Field(
        9464, ge=0, le=65535, description="TCP port of the endpoint (0 picks a free port)."
    )
    refresh_seconds: float = Field(
        5.0, gt=0, le=3600,
        description="How often queue depths (scheduler, review queue) are read from the "
        "database.",
    )

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        text = value.strip()
        if not text or any(c.isspace() for c in text):
            raise ValueError(f"must be an address like 127.0.0.1 or 0.0.0.0, got {value!r}")
        return text


class PrivacySettings(BaseModel):
    """What Hearth keeps about members, and for how long."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message_text_days: int = Field(
        0, ge=0, le=36_500,
        description="Drop the text of stored messages after this many days (scores, points "
        "and counts are kept). 0 keeps text forever.",
    )
    export_dir: str = Field(
        "",
        description="Folder where /mydata and `hearth member export` write JSON exports. "
        "Empty: an 'exports' folder next to the SQLite database (or in the working directory "
        "with PostgreSQL). Relative paths are relative to the working directory.",
    )
    dm_limit_chars: int = Field(
        20_000, ge=1000, le=1_000_000,
        description="Exports up to this size are sent to the member by DM; larger ones are "
        "only written to export_dir for an admin to hand over.",
    )
    forget_enabled: bool = Field(
        True, description="Members may erase their own data with /forgetme confirm."
    )
