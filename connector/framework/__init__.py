"""The framework layer: how actions, data sources and connections are declared, cleaned and described.

Inputs and their clean step, definitions, the component registry, the manifest derived from them, and the base
of the typed Python facade. Imports only the client layer; knows nothing of Klaviyo's operations.
"""
