"""Bulk sending: one sender per bulk operation, chunked at Klaviyo's limits, one outcome per record."""
