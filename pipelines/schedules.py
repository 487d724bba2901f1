"""Schedules of the code location."""

import dagster as dg

SCHEDULES: list[dg.ScheduleDefinition] = []
