"""Images: upload (from a URL, a data URI or file bytes), read, list and update images.

Klaviyo has no endpoint to delete an image; hide it instead (``hidden=True``). Each action is declared once on
its operation; Upload Image calls ``upload_image_from_url`` (JSON) or ``upload_image_from_file`` (multipart).
The image's format and size are checked from its bytes before anything is sent (the spec says "jpeg, png, gif,
5MB" only in prose). ``Klaviyo(...).images`` is :class:`Images`, generated from ``FACADE_METHODS``; Python values
are checked like low-code ones, before anything is sent (so no client is needed below).

Example:
    >>> from connector.klaviyo.operation_actions import request_for
    >>> inputs = UPLOAD_IMAGE.clean({"imageUrl": "https://example.com/hero.png", "imageName": "Hero"})
    >>> call = request_for("upload_image_from_url", inputs)
    >>> call.method, call.path, call.body["data"]["attributes"]
    ('POST', '/api/images', {'import_from_url': 'https://example.com/hero.png', 'name': 'Hero'})
    >>> UPLOAD_IMAGE.clean({"fileData": {"data": "R0lGODlhAQABAAAAACw=", "filename": "dot.gif"}}).file_data
    ImageFile(data=<14 bytes>, format='gif', filename='dot.gif')
    >>> from actions.images import Images  # the typed facade, imported on first use
    >>> Images(client=None).upload(data=b"%PDF-1.7", name="Hero")
    Traceback (most recent call last):
    ...
    connector.client.errors.InputError: File Data: is not a JPEG, PNG or GIF image (the only formats Klaviyo \
accepts); it starts with 25 50 44 46 2d 31 2e 37

Reference: https://developers.klaviyo.com/en/reference/images_api_overview
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from actions._lazy import lazy_exports
from connector import structs
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.framework.facade import FacadeMethod
from connector.framework.inputs import InputType, input_field, to_str, to_stripped
from connector.klaviyo.operation_actions import (
    get_action,
    id_input,
    list_action,
    operation_action,
    perform_operation,
)
from connector.klaviyo.operations.calls import build, send
from connector.klaviyo.validators import clean_url

if TYPE_CHECKING:
    from actions._facade.images import Images as Images
    from actions._facade.models.images import ImageAttributes as ImageAttributes
    from connector.client.jsonapi import Resource

    Image = Resource[ImageAttributes]

__getattr__ = lazy_exports(__name__, "Images", Image="images.ImageAttributes")

#: Klaviyo's documented upper bound for an uploaded or imported image.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
#: Formats Klaviyo accepts for an upload, with their media type and file extension (the spec says "jpeg, png,
#: gif" in prose, with no enum to read them from).
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
    "gif": ("image/gif", ".gif"),
}
_MAGIC = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
_DATA_URI = re.compile(r"data:(?P<media>[^;,]*)(?P<params>(?:;[^;,]*)*),(?P<payload>.*)", re.IGNORECASE | re.DOTALL)
IMAGE_ID_COMMENTS = "The ID of the image."
IMAGE_NAME_COMMENTS = (
    "A name for the image. Defaults to the filename if not provided. "
    "If the name matches an existing image, a suffix will be added."
)


# -- image validation (reusable by any group that accepts images) -------------------------------


@structs.frozen
class ImageFile:
    """Validated image bytes: a format Klaviyo accepts and at most 5 MB.

    Example:
        >>> f = ImageFile(data=b"GIF89a...", format="gif")
        >>> f.content_type, f.filename_for("Banner")
        ('image/gif', 'Banner.gif')
    """

    data: bytes = structs.field(repr=lambda d: f"<{len(d)} bytes>")
    format: str
    filename: str | None = None

    @property
    def content_type(self) -> str:
        """The media type matching the detected format."""
        return IMAGE_FORMATS[self.format][0]

    def filename_for(self, name: str | None) -> str:
        """A filename for the multipart part: the given one, else the image name, with the right extension."""
        base = (self.filename or name or "image").strip().replace("/", "_").replace("\\", "_") or "image"
        extension = IMAGE_FORMATS[self.format][1]
        known = (extension, ".jpeg") if self.format == "jpeg" else (extension,)
        return base if base.lower().endswith(known) else base + extension


def detect_image_format(data: bytes) -> str:
    """``jpeg``, ``png`` or ``gif`` from the file's magic number, else an :class:`InputError`.

    Example:
        >>> detect_image_format(b"\\x89PNG\\r\\n\\x1a\\n....")
        'png'
        >>> detect_image_format(b"%PDF-1.7")
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: is not a JPEG, PNG or GIF image (the only formats Klaviyo accepts); \
it starts with 25 50 44 46 2d 31 2e 37
    """
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    start = " ".join(f"{byte:02x}" for byte in data[:8]) or "nothing (it is empty)"
    raise InputError(f"is not a JPEG, PNG or GIF image (the only formats Klaviyo accepts); it starts with {start}")


def check_image(data: bytes, filename: str | None = None) -> ImageFile:
    """Validate image bytes: not empty, at most 5 MB, and JPEG/PNG/GIF by magic number.

    Example:
        >>> check_image(b"\\xff\\xd8\\xff\\xe0rest").format
        'jpeg'
    """
    if not data:
        raise InputError("is empty; expected a JPEG, PNG or GIF image")
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(f"is {len(data):,} bytes; Klaviyo accepts images of at most 5 MB ({MAX_IMAGE_BYTES:,} bytes)")
    return ImageFile(data=data, format=detect_image_format(data), filename=filename)


def _b64decode(text: str) -> bytes:
    compact = re.sub(r"\s+", "", text)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        pass
    # Some tools emit the URL-safe alphabet, often unpadded; anything else is not base64 at all.
    if re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", compact):
        try:
            return base64.urlsafe_b64decode(compact.rstrip("=") + "=" * (-len(compact.rstrip("=")) % 4))
        except (binascii.Error, ValueError):
            pass
    raise InputError('must be image bytes from a previous step, base64 text or {"data": "<base64>"} (not valid base64)')


def parse_image_data_uri(text: str) -> ImageFile:
    """Decode and validate ``data:image/png;base64,...``; the media type must match the bytes.

    Example:
        >>> parse_image_data_uri("data:image/gif;base64,R0lGODlhAQABAAAAACw=").format
        'gif'
    """
    match = _DATA_URI.fullmatch(text.strip())
    if not match:
        raise InputError("is not a data URI such as data:image/png;base64,iVBORw0...")
    media = match["media"].strip().lower()
    allowed = {media_type: name for name, (media_type, _) in IMAGE_FORMATS.items()}
    if media not in allowed:
        raise InputError(
            f"is a data URI of type {media or 'text/plain'!r}; Klaviyo accepts {', '.join(allowed)} "
            "(supported image formats: jpeg, png, gif)"
        )
    if "base64" not in [p.strip().lower() for p in match["params"].split(";")]:
        raise InputError("must be a base-64 encoded data URI (data:image/...;base64,...)")
    try:
        payload = _b64decode(match["payload"])
    except InputError:
        raise InputError("is a data URI whose data is not valid base64") from None
    image = check_image(payload)
    if image.format != allowed[media]:
        raise InputError(f"says {media} but the data is a {image.format.upper()} image")
    return image


def clean_image_url(value: Any) -> str:
    """An http(s) image URL, or a base-64 ``data:image/...`` URI (format and 5 MB limit checked).

    A remote URL's size and format are Klaviyo's to check: it fetches the image, this client does not.

    Example:
        >>> clean_image_url(" https://example.com/hero.png ")
        'https://example.com/hero.png'
    """
    text = to_stripped(value)
    if text[:5].lower() == "data:":
        parse_image_data_uri(text)
        return text
    try:
        return clean_url(text)
    except InputError:
        raise InputError(f"must be an http(s) URL or a data:image/...;base64, URI (got {text[:60]!r})") from None


def _bytes_from(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, Mapping) and value.get("type") == "Buffer" and isinstance(value.get("data"), list):
        value = value["data"]  # a Node.js Buffer serialised to JSON by a low-code platform
    if isinstance(value, list):
        try:
            return bytes(value)
        except (TypeError, ValueError):
            raise InputError("must be a list of byte values 0-255") from None
    return _b64decode(to_str(value))


def clean_image_file(value: Any) -> ImageFile:
    """Image bytes from a previous step: bytes, base64 text, a data URI, or ``{"data": base64}``.

    A mapping may carry ``filename`` (or ``fileName``/``name``); it becomes the upload's filename.

    Example:
        >>> clean_image_file({"data": "R0lGODlhAQABAAAAACw=", "filename": "dot.gif"})
        ImageFile(data=<14 bytes>, format='gif', filename='dot.gif')
    """
    filename: str | None = None
    if isinstance(value, Mapping):
        if "data" not in value:
            raise InputError('must be binary data, base64 text or {"data": "<base64>"}')
        raw_name = value.get("filename") or value.get("fileName") or value.get("name")
        filename = str(raw_name).strip() or None if raw_name else None
        value = value["data"]
    if isinstance(value, str) and value.strip()[:5].lower() == "data:":
        image = parse_image_data_uri(value)
        return structs.evolve(image, filename=filename)
    return check_image(_bytes_from(value), filename)


# -- Upload Image ------------------------------------------------------------------------------


@structs.frozen
class UploadImageInputs:
    """Inputs of Upload Image: exactly one of Image URL or File Data.

    Image URL, Image Name and Image Hidden fill ``upload_image_from_url``'s body; with File Data, the name and
    hidden flag go in ``upload_image_from_file``'s multipart form instead.

    Example:
        >>> UploadImageInputs(image_url="https://example.com/a.png").image_url
        'https://example.com/a.png'
    """

    image_url: str | None = input_field(
        "Image URL",
        comments="An existing image url to import the image from. Alternatively, you may specify a base-64 encoded "
        "data-uri (`data:image/...`). Supported image formats: jpeg,png,gif. Maximum image size: 5MB. "
        "Use this field or File Data.",
        clean=clean_image_url,
        example="https://www.example.com/example.jpg",
        to="attributes:import_from_url",
    )
    image_name: str | None = input_field(
        "Image Name", comments=IMAGE_NAME_COMMENTS, clean=to_stripped, example="Hero banner", to="attributes:name"
    )
    file_data: ImageFile | None = input_field(
        "File Data",
        type=InputType.DATA,
        comments="The contents to write to a file. Binary data generated from a previous step.",
        clean=clean_image_file,
    )
    image_hidden: bool | None = input_field(
        "Image Hidden",
        type=InputType.BOOLEAN,
        comments="If true, this image is not shown in the asset library. Leave empty for Klaviyo's default (shown).",
        to="attributes:hidden",
    )

    def __post_init__(self) -> None:
        if self.image_url is not None and self.file_data is not None:
            problem = "use exactly one of Image URL or File Data (both were given)"
        elif self.image_url is None and self.file_data is None:
            problem = (
                "use exactly one of Image URL (an http(s) URL or data:image/...;base64, URI) "
                "or File Data (image bytes from a previous step); neither was given"
            )
        else:
            return
        raise InputError(problem, label="Image URL", key="imageUrl")


def upload_image(client: KlaviyoClient, inputs: UploadImageInputs) -> Any:
    """Import from a URL (``upload_image_from_url``) or upload bytes (``upload_image_from_file``, multipart).

    Neither is retried on a server error (the registry marks both unsafe): a repeat could add the image twice.
    """
    if inputs.file_data is None:
        return perform_operation(client, "upload_image_from_url", inputs)
    image = inputs.file_data
    # ImageUploadQuery: file* (binary), name, hidden; form values are text, so the boolean goes as true/false.
    form = {
        "name": inputs.image_name,
        "hidden": None if inputs.image_hidden is None else ("true" if inputs.image_hidden else "false"),
    }
    files = {"file": (image.filename_for(inputs.image_name), image.data, image.content_type)}
    call = build("upload_image_from_file")
    return send(client, call, data={k: v for k, v in form.items() if v is not None}, files=files).json()


UPLOAD_IMAGE = operation_action(
    "upload_image_from_url",
    description="Import an image from a url or file.",
    perform=upload_image,
    also_calls=("upload_image_from_file",),
)


# -- Get Image ---------------------------------------------------------------------------------


GET_IMAGE = get_action("get_image", "Get the image with the given image ID.", IMAGE_ID_COMMENTS)


# -- List Images -------------------------------------------------------------------------------


LIST_IMAGES = list_action("get_images", label="List Images", description="Get all images in an account.")


# -- Update Image ------------------------------------------------------------------------------


@structs.frozen
class UpdateImageInputs:
    """Inputs of Update Image (rename it, or hide/show it in the asset library): only what is given changes.

    Example:
        >>> UpdateImageInputs(image_id="7", image_hidden=True).image_hidden
        True
    """

    image_id: str = id_input("Image ID", IMAGE_ID_COMMENTS)
    image_name: str | None = input_field(
        "Image Name", comments=IMAGE_NAME_COMMENTS, clean=to_stripped, example="Hero banner", to="attributes:name"
    )
    image_hidden: bool | None = input_field("Image Hidden", type=InputType.BOOLEAN, to="attributes:hidden")

    def __post_init__(self) -> None:
        if self.image_name is None and self.image_hidden is None:
            raise InputError("nothing to update: give Image Name, Image Hidden or both")


UPDATE_IMAGE = operation_action(
    "update_image", description="Update the image with the given image ID.", inputs=UpdateImageInputs
)

ACTIONS = (UPLOAD_IMAGE, GET_IMAGE, LIST_IMAGES, UPDATE_IMAGE)
DATA_SOURCES = ()


FACADE_METHODS = (
    FacadeMethod(
        "upload",
        UPLOAD_IMAGE,
        "Import from ``url`` (http(s) or ``data:image/...;base64,``) or upload ``data`` (JPEG/PNG/GIF bytes).",
        prefix="image_",
        rename={"data": "file_data"},
        types={"data": "bytes | str | Mapping[str, Any] | None"},
    ),
    FacadeMethod("get", GET_IMAGE, "Get one image."),
    FacadeMethod("list", LIST_IMAGES, "Stream every image (one page in memory at a time)."),
    FacadeMethod("update", UPDATE_IMAGE, "Rename an image or hide/show it in the asset library.", prefix="image_"),
)
