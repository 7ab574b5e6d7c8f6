"""The indicator engine's file importers, one module each: methodology (a criteria tree), scores and
results; what they share is in common. Each checks a whole reformdash.lib.tabular Table, then writes
all of it or nothing."""
