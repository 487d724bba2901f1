"""Sensors of the code location."""

import dagster as dg

SENSORS: list[dg.SensorDefinition] = []
