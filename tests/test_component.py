"""The component finds every action group; the generated index that speeds up ``run`` is never stale."""

from __future__ import annotations

from pathlib import Path

from connector.shell.component import COMPONENT

INDEX = Path(__file__).resolve().parents[1] / "actions" / "_index.py"


def test_index_matches_the_declarations() -> None:
    assert INDEX.read_text(encoding="utf-8") == COMPONENT.build_index(), (
        "actions/_index.py is stale: run `python -m connector.shell.component` to regenerate it"
    )


def test_every_action_resolves_to_its_declaring_module() -> None:
    for action in COMPONENT.actions():
        assert COMPONENT.action(action.key) is action
    for source in COMPONENT.data_sources():
        assert COMPONENT.data_source(source.key) is source
