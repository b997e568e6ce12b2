"""Line-1 safety as pure functions: normalisation, rule verdicts, strikes, structural rules.

Everything here is stdlib-only and clock-free: callers pass ``now`` and the recent history,
and get decisions back as values, so filters are testable and replayable exactly.
"""
