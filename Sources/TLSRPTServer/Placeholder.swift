// Filled in by a later stage.
