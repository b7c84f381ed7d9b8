"""The public API is typed as users import it: mypy --strict sees real types and catches typos in a user script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = """
from connector import InputError, Klaviyo, Resource
from connector.apps.delivery import DeliverySummary

k = Klaviyo(api_key="pk_" + "a" * 34)
lst = k.lists.create(name="VIP", opt_in_process="single_opt_in")
list_name: str | None = lst.attributes.name
same: Resource[object] | None = None
for flow in k.flows.list(fields=["name"], max_records=3):
    name: str | None = flow.attributes.name
rows: list[dict[str, object]] = k.metrics.query_aggregates(metric_id="M1", measurements=["count"], filter=["x"])
code = k.coupons.create_code(unique_code="SAVE10", coupon_id="SPRING")
summary: DeliverySummary | None = None
error: type[Exception] = InputError

from actions.lists import KlaviyoList, ListAttributes
from connector.structs import evolve, field, frozen


@frozen
class Row:
    email: str
    tags: list[str] = field(factory=list)


row: Row = evolve(Row("ada@example.com"), tags=["vip"])
first: KlaviyoList | None = None
attributes: type[ListAttributes] = ListAttributes
"""

TYPOS = """
from connector import Klaviyo

k = Klaviyo(api_key="pk_x")
k.flowz.list()
k.lists.create(nam="VIP")
k.lists.create(name=1)
k.flows.list(limit=3)
from connector.structs import frozen
@frozen
class Row:
    email: str
Row(1)
Row(email="a").email = "b"
"""


ROOT = Path(__file__).resolve().parents[1]


def _mypy(source: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "user_script.py"
    script.write_text(source, encoding="utf-8")
    # MYPYPATH: an editable install hides the packages from mypy behind an import hook; a regular install
    # (CI's) would be found anyway. Either way these are the packages as shipped, py.typed included.
    return subprocess.run(
        [
            *(sys.executable, "-m", "mypy", "--strict", "--config-file", str(ROOT / "pyproject.toml")),
            *("--cache-dir", str(tmp_path / "cache"), str(script)),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )


def test_the_packages_ship_their_py_typed_marker() -> None:
    config = (ROOT / "setup.cfg").read_text(encoding="utf-8")
    for package in ("connector", "actions", "connections"):
        assert (ROOT / package / "py.typed").exists()
        assert f"{package} =" in config and "py.typed" in config


def test_a_correct_script_type_checks(tmp_path: Path) -> None:
    result = _mypy(GOOD, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (5, '"Klaviyo" has no attribute "flowz"'),
        (6, 'Unexpected keyword argument "nam" for "create" of "Lists"'),
        (7, 'Argument "name" to "create" of "Lists" has incompatible type "int"; expected "str"'),
        (8, 'Unexpected keyword argument "limit" for "list" of "Flows"'),
        (13, 'Argument 1 to "Row" has incompatible type "int"; expected "str"'),
        (14, 'Property "email" defined in "Row" is read-only'),
    ],
)
def test_typos_in_a_script_are_type_errors(tmp_path: Path, line: int, message: str) -> None:
    result = _mypy(TYPOS, tmp_path)
    assert result.returncode == 1
    assert f"user_script.py:{line}: error: {message}" in result.stdout, result.stdout
