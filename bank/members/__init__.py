"""Members: persons and organisations, their representatives and identity checks (L3)."""
