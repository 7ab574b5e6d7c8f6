"""The production storage of the static files (settings.STORAGES, DEBUG off)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedCompressedStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's: hashed names, gzip and brotli copies, and the references inside CSS and JS
    files rewritten to the hashed names — except source-map comments. The vendored Bootstrap and
    Swagger UI name source maps we do not ship (no browser fetches one unless its developer tools
    are open); Django's storage would refuse to collect a file whose reference it cannot resolve."""

    patterns = tuple(
        (extension, tuple(rule for rule in rules if "sourceMappingURL" not in str(rule)))
        for extension, rules in CompressedManifestStaticFilesStorage.patterns
    )
