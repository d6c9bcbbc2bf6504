"""Default collection strategies, one YAML file each, read by adapters.strategy_yaml."""
