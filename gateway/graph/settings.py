"""The GraphQL API's limits (env prefix TRACEBRIDGE_GRAPHQL_), hung on the root Settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GraphQLSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACEBRIDGE_GRAPHQL_", env_file=".env", extra="ignore")

    # Deepest field nesting an operation may have (a full as-built with lots and holds needs ~8).
    max_depth: int = Field(default=12, ge=2, le=50)
    # Most units one page of a connection (traceForward, whereUsed) may ask for.
    max_page_size: int = Field(default=1000, ge=100, le=10_000)  # at least the default page (100)
    # Estimated fields resolved (list sizes multiplied through); see docs/graphql.md.
    max_cost: int = Field(default=200_000, ge=100)
    graphiql: bool = True
