"""Pure domain model of Hearth: values and decisions, no I/O, no clock reads."""
