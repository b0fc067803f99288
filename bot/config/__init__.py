"""Settings from the environment and the clinic's content files, loaded and validated."""
