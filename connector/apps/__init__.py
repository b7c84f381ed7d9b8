"""The applications layer: event delivery (:mod:`.delivery`) and bulk sync (:mod:`.sync`).

Built on the domain layer's bulk senders; they take their client as an argument and read no environment.
"""
