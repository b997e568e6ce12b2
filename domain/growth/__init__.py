"""Growth engine rules: points with anti-farming, levels, stages, badges, teams, shop,
content quality, MEE6 import and leaderboards.

Pure stdlib code: time comes in as an argument, decisions go out as values, and the only
mutable thing is the per-member ``MemberGrowthState`` the handler owns and caches.
"""
