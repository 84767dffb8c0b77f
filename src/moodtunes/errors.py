"""The small error hierarchy that the web boundary maps to HTTP answers."""

from __future__ import annotations


class MoodtunesError(Exception):
    """Base of the errors moodtunes raises on purpose; `code` is a stable machine name."""

    code = "error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidImageError(MoodtunesError):
    """Bytes that do not decode to an image."""

    code = "invalid_image"
    status = 400


class ImageTooLargeError(InvalidImageError):
    """An image whose header declares more pixels (or costs more to decode) than we allow."""

    code = "image_too_large"
    status = 413


class UnsupportedMediaError(MoodtunesError):
    """A request body of a type we do not read."""

    code = "unsupported_media_type"
    status = 415


class BadRequestError(MoodtunesError):
    """A request whose fields are missing or wrong."""

    code = "bad_request"
    status = 400


class ModelError(MoodtunesError):
    """A model file that is missing, unreadable or does not describe itself as we need."""

    code = "model_error"
    status = 500


class CatalogError(MoodtunesError):
    """A music table that cannot be read."""

    code = "catalog_error"
    status = 400
