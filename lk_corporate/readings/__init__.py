"""(2) Meter readings: the client's entry, its rules, the operator's paper readings."""
