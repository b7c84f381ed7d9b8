"""Klaviyo actions, one module per resource group.

Each module declares its actions once (input class + perform function) in ``ACTIONS`` and its
picklist sources in ``DATA_SOURCES``; the component finds the modules, and the manifest, the CLI
and the Python facade are all derived from those declarations.

Example:
    >>> from actions.lists import CREATE_LIST
    >>> CREATE_LIST.key, CREATE_LIST.label
    ('createList', 'Create List')
"""
