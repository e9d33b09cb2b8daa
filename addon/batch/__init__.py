"""Many drawings from the command line or the batch panel: plans, items, worker processes."""
