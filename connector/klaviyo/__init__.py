"""The Klaviyo domain layer: what Klaviyo's operations are and the rules they follow, each with one owner.

The operation registry generated from the spec, request bodies, identifier and value rules, the bulk senders
with per-record outcomes, and pacing to Klaviyo's rate-limit tiers. Imports the client and framework layers.
"""
