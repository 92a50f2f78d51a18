"""Every write to the inventory. `chokepoint` is the one place synced rows are written."""
