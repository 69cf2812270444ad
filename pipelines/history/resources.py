"""The publishing resource: the salt for contact hashes, read when a run needs it."""

import dagster as dg

from pipelines import settings


class Privacy(dg.ConfigurableResource):
    """Salt for `contact_hash`: `salt` if configured, else `SEGMENTS_PII_SALT` read at run time."""

    salt: str | None = None

    def resolve_salt(self) -> tuple[str, bool]:
        """The salt, and whether it is the development default (which a run should warn about)."""
        salt = self.salt or settings.pii_salt()
        return salt, salt == settings.DEV_PII_SALT
