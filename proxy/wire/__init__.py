"""Wire protocols: one `WireFormat` per protocol (see base.py) and the registry."""
