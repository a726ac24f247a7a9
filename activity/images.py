"""Screenshot validation and processing with Pillow."""

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageFilter, UnidentifiedImageError


class ImageRejected(ValueError):
    pass


@dataclass
class ProcessedScreenshot:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    blurred: bool


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def process_screenshot(upload, *, blur: bool) -> ProcessedScreenshot:
    """Check that `upload` is a real image within the size limits, then re-encode it (PNG),
    blurred when asked, and make a JPEG thumbnail.

    The pixel count is checked from the header, before any decoding, so a small file that
    would inflate into gigabytes (a decompression bomb) is refused without being decoded.
    """
    max_bytes = _limit("ACTIVITY_SCREENSHOT_MAX_BYTES", 10 * 1024 * 1024)
    max_pixels = _limit("ACTIVITY_SCREENSHOT_MAX_PIXELS", 40_000_000)
    if upload.size is not None and upload.size > max_bytes:
        raise ImageRejected(f"The image is larger than {max_bytes} bytes.")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            width, height = probe.size
            if width * height > max_pixels:
                raise ImageRejected(f"The image has more than {max_pixels} pixels.")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            image = image.convert("RGB")
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRejected("Upload a valid image (PNG, JPEG, WebP, ...).") from None
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(radius=max(8, min(width, height) // 60)))
    full = io.BytesIO()
    image.save(full, format="PNG", optimize=False)
    thumb = image.copy()
    thumb.thumbnail((_limit("ACTIVITY_THUMBNAIL_SIZE", 320),) * 2)
    small = io.BytesIO()
    thumb.save(small, format="JPEG", quality=80)
    return ProcessedScreenshot(
        image=ContentFile(full.getvalue()),
        thumbnail=ContentFile(small.getvalue()),
        width=width,
        height=height,
        blurred=blur,
    )
