"""Insights decisions: RFM segments, churn features and labels, A/B statistics, payouts.

Pure functions over plain values (no I/O, no clock): the bot layer loads rows, passes ``now``
and stores what these functions return.
"""
