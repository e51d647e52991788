"""User-facing errors. Each message says what happened and what to do next."""


class AssistantError(Exception):
    """Base class for every error the CLI and UI show to a user as one clear line."""


class InputError(AssistantError):
    """A question, claim or setting the user gave cannot be used as it is."""


class IngestError(AssistantError):
    """A file could not be read or parsed into a document."""


class StoreError(AssistantError):
    """The index or the vector store is missing, corrupt or unreachable."""


class GeneratorError(AssistantError):
    """The answer generator failed (for example, a model server returned an error)."""
