"""The names of the environment variables that carry the pseudonymisation key.

Apart from sources/pseudonym.py (which imports polars) so that the GX helper's side
(checks/gx_worker.py), which keeps the key out of the helper's environment, stays light: the
command line starts the helper before polars, pydantic or Dagster are imported.
"""

KEY_ENV = "PHASENMONITOR_PSEUDONYM_KEY"
KEY_FILE_ENV = "PHASENMONITOR_PSEUDONYM_KEY_FILE"
