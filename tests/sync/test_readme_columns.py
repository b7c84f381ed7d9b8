"""The README's table of the columns ``sync`` reads is computed from the one table, so it cannot drift.

``python -m tests.sync.test_readme_columns`` prints the block to paste between the README's markers.
"""

from __future__ import annotations

import re
from pathlib import Path

from connector.apps.sync.cells import auto_type
from connector.apps.sync.columns import FIELDS, KINDS, OTHER_COLUMNS

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- sync-columns:start -->", "<!-- sync-columns:end -->"


def table() -> str:
    """The columns of each kind (a row per field, its aliases), then what each kind does with the others."""
    lines = [
        "| field | profiles | events | subscriptions | CSV headers also read as it |",
        "| --- | :---: | :---: | :---: | --- |",
    ]
    for field in FIELDS:
        marks = " | ".join("✓" if kind in field.kinds else "" for kind in KINDS)
        lines.append(f"| `{field.name}` | {marks} | {', '.join(f'`{alias}`' for alias in field.aliases)} |")
    lines += ["", *(f"- Other columns, {kind}: {OTHER_COLUMNS[kind]}." for kind in KINDS)]
    return "\n".join(lines)


def _bulk_sync_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Bulk sync") : text.index("\n## ", text.index("## Bulk sync") + 1)]


def test_readme_columns_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found, f"README lacks the {START} … {END} markers"
    assert found.group(1) == table(), (
        "README columns table is stale; regenerate: python -m tests.sync.test_readme_columns"
    )
    assert START in _bulk_sync_section()


def test_readme_states_the_typing_rule_as_it_is() -> None:
    section = _bulk_sync_section()
    rule = " ".join(section[section.index("**Typed CSV values.**") :].split("\n- **")[0].split())

    def quoted(start: str, end: str) -> list[str]:
        return re.findall(r"`([^`]+)`", rule[rule.index(start) : rule.index(end)])

    numbers = quoted("a plain decimal number such as", "is sent as a number")
    texts = quoted("anything else stays text", "Standard fields")
    assert numbers == ["-12", "271.59", "0.5"] and all(type(auto_type(n)) in (int, float) for n in numbers)
    assert texts == ["02134", "+1", "1e5", "1,000"] and all(auto_type(t) == t for t in texts)
    assert "more than 15 digits" in rule and auto_type("1" * 16) == "1" * 16 and auto_type("1" * 15) == int("1" * 15)
    for words in ("--types", "`number`", "`boolean`", "`date`", "JSON lines", "naming the column and the value"):
        assert words in rule, words


def test_readme_says_dead_letters_have_the_line() -> None:
    assert '`{"row", "line", "key", "change", "reason", "record"}`' in _bulk_sync_section()


if __name__ == "__main__":
    print(table())
