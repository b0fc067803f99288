"""Use cases: load from the store, apply the pure rules of flows/, store the outcome."""
