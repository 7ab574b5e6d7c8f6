"""Page data computed from the results, cached until the next recompute of their index and year.

The key holds the results' "as of" time (selectors.results_as_of: the last finished recompute, or
the last result written), which every request reads from the database. A recompute that finishes
changes it, so no page shows data older than the last finished recompute, whichever web process
or machine filled the cache, and nothing has to delete keys (old ones expire). The cache is Redis
in production and local memory in the embedded default; a cache that is down costs the
computation, not the page (reformdash.lib.cache).

Only what is the same for every reader goes in: figures of a whole group or methodology. Who may
see which unit is decided after, on every request.
"""

from reformdash.lib.cache import cached


def results_key(name, *, index_id, year, as_of, parts=()):
    return ":".join(["results", name, str(index_id), str(year), as_of.isoformat(), *map(str, parts)])


def results_cached(name, *, index_id, year, as_of, parts=(), compute):
    """compute()'s value, from the cache when this (index, year)'s results have not changed since
    `as_of` (selectors.results_as_of of that index and year, read by the caller)."""
    if as_of is None:  # no recompute has finished and no result is stored: nothing to be as of
        return compute()
    return cached(results_key(name, index_id=index_id, year=year, as_of=as_of, parts=parts), compute)
