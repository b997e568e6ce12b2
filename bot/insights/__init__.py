"""Insights: RFM segments, the churn warning model, A/B tests of nudges, the community
report and value sharing (payouts)."""
