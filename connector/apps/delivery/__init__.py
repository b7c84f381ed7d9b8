"""Event delivery: Segment / RudderStack spec events to Klaviyo, in bulk, with per-line outcomes.

- :func:`deliver` (``connector.apps.delivery.deliver``): the engine, also ``klaviyo-connector deliver``;
- :mod:`connector.klaviyo.bulk.senders`: bulk sends with per-record outcomes (reusable on its own);
- :mod:`connector.apps.delivery.mapping`: the Segment and RudderStack mapping rules;
- :class:`DeliverySettings`: the destinations' settings.

``import connector`` does not import this package; the CLI imports it only for ``deliver``.

Example:
    >>> from connector.apps.delivery import DeliverySettings, deliver
    >>> DeliverySettings(list_id="Y6nRLr").list_id, callable(deliver)
    ('Y6nRLr', True)
"""

from __future__ import annotations

# The function is bound after its module is imported, so ``connector.apps.delivery.deliver`` is the
# function (not the submodule of the same name) however the package was first imported.
from connector.apps.delivery.deliver import deliver
from connector.apps.delivery.settings import DeliverySettings
from connector.klaviyo.bulk.outcomes import DeliverySummary

__all__ = ["DeliverySettings", "DeliverySummary", "deliver"]
