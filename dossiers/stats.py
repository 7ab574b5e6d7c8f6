"""Monthly dossier statistics (placeholder: being written)."""


def dossier_stats_incremental():
    raise NotImplementedError


def dossier_stats_full():
    raise NotImplementedError
