"""Amounts in euros are summed as binary floats; two amounts closer than half a cent are equal
(the tables print whole euros or cents, so nothing a reader sees can tell them apart)."""

CENT_TOLERANZ = 0.005
