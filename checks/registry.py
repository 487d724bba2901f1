"""All asset checks of the code location (contract suites, cross-source, mentoring)."""

import dagster as dg

from checks.asset_checks import CONTRACT_ASSET_CHECKS
from checks.mentoring_checks import MENTORING_CHECKS

ASSET_CHECKS: list[dg.AssetChecksDefinition] = [*CONTRACT_ASSET_CHECKS, *MENTORING_CHECKS]
