"""The outside world: one faithful emulator per provider, its state apart from its wire layer."""
