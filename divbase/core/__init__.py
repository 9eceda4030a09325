"""Pure core: parses, validates and plans. No frameworks, no processes, no network."""
