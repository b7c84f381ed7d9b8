"""Pacing: proactive rate limiting to Klaviyo's tiers and adaptive concurrency (AIMD)."""
