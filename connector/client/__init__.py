"""The client layer: one HTTP pipeline to Klaviyo and everything it needs.

Lowest layer of the SDK (it imports no other layer): the request pipeline (:mod:`.pipeline`), retry policy,
pagination, the error hierarchy, the credential protocol, secrets that never print, the clock, rate-limit
headers and JSON:API models.
"""
