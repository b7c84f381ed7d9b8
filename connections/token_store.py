"""A token file readable only by its owner, written atomically.

``oauth login`` writes it; the CLI and scripts read it and rewrite it when a refresh rotates the
refresh token.

Example:
    >>> import tempfile, os, stat
    >>> path = os.path.join(tempfile.mkdtemp(), "token.json")
    >>> store = TokenFile(path)
    >>> store.save({"access_token": "a", "refresh_token": "r"})
    >>> oct(stat.S_IMODE(os.stat(path).st_mode)), store.load()["refresh_token"]
    ('0o600', 'r')
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from connector.client.errors import ConnectionConfigError


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/klaviyo-connector`` (``~/.config/klaviyo-connector`` when unset): the token file and
    the stored accounts live there."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "klaviyo-connector"


def default_token_path() -> Path:
    """``$XDG_CONFIG_HOME/klaviyo-connector/token.json`` (``~/.config`` when unset).

    The shell passes ``KLAVIYO_TOKEN_FILE`` as an explicit path when it is set.
    """
    return config_dir() / "token.json"


def write_private_json(path: Path, data: Any) -> None:
    """Write JSON that only the current user can read (mode 0600, directory 0700), replacing the file atomically,
    so a reader never sees half a file and the secrets are never world-readable, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


class TokenFile:
    """Load and save an OAuth token as JSON with mode 0600.

    Example:
        >>> TokenFile("/nonexistent/token.json").load() is None
        True
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_token_path()

    def __repr__(self) -> str:
        return f"TokenFile({str(self.path)!r})"

    def load(self) -> dict[str, Any] | None:
        """The stored token, or None when there is no file.

        Errors are raised outside the ``except`` blocks: a ``JSONDecodeError`` keeps the whole document
        (the tokens) in its ``doc`` attribute and must not ride along as ``__context__``.
        """
        failure: ConnectionConfigError | None = None
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            failure = ConnectionConfigError(f"cannot read token file {self.path}: {exc.strerror}")
        except UnicodeDecodeError:
            failure = ConnectionConfigError(
                f"token file {self.path} is not UTF-8 text; run `klaviyo-connector oauth login` again"
            )
        if failure is not None:
            raise failure
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            failure = ConnectionConfigError(
                f"token file {self.path} is not valid JSON; run `klaviyo-connector oauth login` again"
            )
        if failure is not None:
            raise failure
        if not isinstance(data, dict):
            raise ConnectionConfigError(f"token file {self.path} does not hold a token object")
        return data

    def save(self, token: dict[str, Any]) -> None:
        """Write the token so that only the current user can read it, replacing the file atomically."""
        write_private_json(self.path, token)
