"""Chat-platform adapters. Each imports `bot` (its public face) and its own SDK; never each other."""
