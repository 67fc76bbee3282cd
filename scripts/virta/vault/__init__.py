"""Model-driven raw vault: concept model + source mappings -> generated dbt models."""

from virta.vault.codegen import check, generate

__all__ = ["check", "generate"]
