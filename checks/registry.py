"""All asset checks of the code location (contract suites, cross-source, mentoring)."""

import dagster as dg

ASSET_CHECKS: list[dg.AssetChecksDefinition] = []
