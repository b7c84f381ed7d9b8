"""Images: upload from URL (JSON) or file (multipart), get, list and update; there is no delete.

The sandbox never leaves the machine, so ``import_from_url`` only reads ``data:image/...;base64,...`` URLs; an
http(s) URL is accepted without being fetched (format from its extension, ``size`` 0). jpeg, png and gif up to
5 MB are accepted; a name already in use gets a ``-1``, ``-2`` ... suffix. Bytes are served (without auth,
like a CDN) at ``image_url`` = ``{base}/media/{id}.{format}``.

Example:
    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n....")
    'png'
"""

from __future__ import annotations

import base64
import binascii
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import urlsplit

from ..errors import ApiError, invalid
from ..filters import rule
from ..ids import now_iso, short_id
from ..jsonapi import optional, read_data, require, resource
from ..query import QuerySpec
from ..routing import Ctx, Route
from ..store import Store
from ..wire import Response
from .handmade import HandMade

MAX_BYTES = 5 * 1024 * 1024
FIELDS = frozenset({"format", "hidden", "id", "image_url", "name", "size", "updated_at"})
_COMPARE = "greater-or-equal greater-than less-or-equal less-than"
LIST_SPEC = QuerySpec(
    filters={
        "id": rule("any equals"),
        "updated_at": rule(_COMPARE, "datetime"),
        "format": rule("any equals"),
        "name": rule("any contains ends-with equals starts-with"),
        "size": rule(_COMPARE, "number"),
        "hidden": rule("any equals", "boolean"),
    },
    sorts=("format", "id", "name", "size", "updated_at"),
    fields={"image": FIELDS},
    page=(20, 100),
)
ONE_SPEC = QuerySpec(fields={"image": FIELDS})
POINTER = "/data/attributes"
MIME = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif"}


def sniff(data: bytes) -> str | None:
    """Image format from magic bytes (jpeg, png, gif) or None.

    Example:
        >>> sniff(b"GIF89a...")
        'gif'
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    return None


def serialize(doc: dict[str, Any], base: str) -> dict[str, Any]:
    """An image resource object.

    Example:
        >>> serialize({"id": "I", "format": "png"}, "http://h")["attributes"]["image_url"]
        'http://h/media/I.png'
    """
    attrs = {k: doc.get(k) for k in ("name", "format", "size", "hidden", "updated_at")}
    attrs["image_url"] = f"{base}/media/{doc['id']}.{doc.get('format')}"
    return resource("image", doc["id"], attrs, base, "images")


def _unique_name(store: Store, name: str) -> str:
    taken = {doc["name"] for doc in store.all("image")}
    candidate, n = name, 0
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def _save(ctx: Ctx, name: str, fmt: str, data: bytes, hidden: bool) -> Response:
    if len(data) > MAX_BYTES:
        raise ApiError(413, "payload_too_large", "Images may be at most 5 MB.", pointer=POINTER)
    doc: dict[str, Any] = {
        "id": short_id(),
        "name": _unique_name(ctx.store, name),
        "format": fmt,
        "size": len(data),
        "hidden": hidden,
        "updated_at": now_iso(),
    }
    ctx.store.put("image-bytes", doc["id"], {"b64": base64.b64encode(data).decode()})
    return IMAGES.saved(ctx, doc, 201)


def upload_from_url(ctx: Ctx) -> Response:
    """``POST /api/images`` → 201.

    Example:
        >>> upload_from_url.__name__
        'upload_from_url'
    """
    attrs = read_data(ctx.req, "image")["attributes"]
    url = require(attrs, "import_from_url", str, POINTER)
    hidden = optional(attrs, "hidden", bool, POINTER) or False
    ptr = f"{POINTER}/import_from_url"
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        try:
            data = base64.b64decode(payload, validate=True) if header.endswith(";base64") else b""
        except binascii.Error as exc:
            raise invalid("The data URL is not valid base64.", pointer=ptr) from exc
        fmt = sniff(data)
        default = "image"
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise invalid("'import_from_url' must be an http(s) or data: URL.", pointer=ptr)
        ext = parts.path.rsplit(".", 1)[-1].lower() if "." in parts.path else ""
        fmt = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif"}.get(ext)
        data = b""
        default = parts.path.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "image"
    if fmt is None:
        raise invalid("Only jpeg, png and gif images are supported.", pointer=ptr)
    name = optional(attrs, "name", str, POINTER) or default
    return _save(ctx, name, fmt, data, hidden)


def upload_from_file(ctx: Ctx) -> Response:
    """``POST /api/image-upload`` (multipart/form-data: ``file``, ``name``, ``hidden``) → 201.

    Example:
        >>> upload_from_file.__name__
        'upload_from_file'
    """
    ctype = ctx.req.header("Content-Type") or ""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + ctx.req.body)
    fields: dict[str, tuple[bytes, str | None]] = {}
    if message.is_multipart():
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields[name] = (payload, part.get_filename())
    if "file" not in fields:
        raise invalid("The multipart field 'file' is required.", pointer="/file")
    data, filename = fields["file"]
    fmt = sniff(data)
    if fmt is None:
        raise invalid("Only jpeg, png and gif images are supported.", pointer="/file")
    name = fields["name"][0].decode() if "name" in fields else (filename or "image").rsplit(".", 1)[0]
    hidden = fields.get("hidden", (b"false", None))[0].decode().strip().lower() == "true"
    return _save(ctx, name, fmt, data, hidden)


def _change(ctx: Ctx, doc: dict[str, Any], attrs: dict[str, Any]) -> None:
    """Only ``name`` (kept unique) and ``hidden`` can change."""
    name = optional(attrs, "name", str, POINTER)
    if name is not None and name != doc["name"]:
        doc["name"] = _unique_name(ctx.store, name)
    hidden = optional(attrs, "hidden", bool, POINTER)
    if hidden is not None:
        doc["hidden"] = hidden


IMAGES = HandMade("image", lambda ctx, doc: serialize(doc, ctx.base), change=_change, updated="updated_at")


def media(store: Store, path: str) -> Response:
    """Serve uploaded bytes at ``/media/{id}.{format}``.

    Example:
        >>> media(Store(), "/media/nope.png").status
        404
    """
    ident = path.removeprefix("/media/").rsplit(".", 1)[0]
    doc = store.get("image", ident)
    blob = store.get("image-bytes", ident)
    if doc is None or blob is None:
        return Response(404, raw=b"", content_type="text/plain")
    return Response(200, raw=base64.b64decode(blob["b64"]), content_type=MIME[doc["format"]])


ROUTES = [
    Route("GET", "/api/images", "get_images", IMAGES.list_all, LIST_SPEC),
    Route("POST", "/api/images", "upload_image_from_url", upload_from_url, ONE_SPEC),
    Route("POST", "/api/image-upload", "upload_image_from_file", upload_from_file, ONE_SPEC, body="multipart"),
    Route("GET", "/api/images/{id}", "get_image", IMAGES.get_one, ONE_SPEC),
    Route("PATCH", "/api/images/{id}", "update_image", IMAGES.update_one, ONE_SPEC),
]
