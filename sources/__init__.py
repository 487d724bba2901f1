"""Partner exports: discovery, reading, the export contract, parsing and pseudonymisation."""
