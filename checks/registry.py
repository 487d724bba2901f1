"""Asset checks of the code location that are definitions of their own.

None today: every check is a check spec of the asset it hangs on and is evaluated by that asset's
step (checks/asset_checks.py, checks/mentoring_checks.py).
"""

import dagster as dg

ASSET_CHECKS: list[dg.AssetChecksDefinition] = []
