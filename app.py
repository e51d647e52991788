"""Start the spine-qa chat page: ``python app.py`` (the same as ``assistant serve``)."""

from __future__ import annotations

from assistant.settings import get_settings
from assistant.ui import create_app, serve

settings = get_settings()


def build():
    """The web app built from the settings (for ``uvicorn app:build --factory``)."""
    return create_app(settings)


if __name__ == "__main__":
    serve(settings)
