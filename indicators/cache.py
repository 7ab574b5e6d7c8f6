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

import hashlib

from django.utils.translation import get_language

from reformdash.lib.cache import cached


def results_key(name, *, index_id, year, as_of, parts=()):
    return ":".join(["results", name, str(index_id), str(year), as_of.isoformat(), *map(str, parts)])


# How long a part of a page several readers are given is kept (the rankings' group section, a
# unit's card). Every change made through the application — the pages, the admin, an import, the
# API — is audited or moves the results' "as of", and both are in the keys, so a kept part never
# outlives such a change; this bounds only what no key follows (a row edited by hand in the
# database) and how long Redis holds a copy nobody asks for. Ten minutes, not one: when 50 readers
# browse a province's 168 communes, each card is asked for every few seconds, and at 60 s each was
# rendered anew every minute — a quarter of the scorecards asked, and most of the load test's p95
# (bench/README.md, "The pages at 50 readers: the steady minute").
SHARED_PART_SECONDS = 600


def shared_part_key(name, request, *, index_id, year, as_of, parts=()):
    """The key of a part of a page that several readers are given (the rankings' group section,
    a unit's card): results_key with everything of the request it is drawn from — the language,
    the scheme and host (of permalinks), the path and query — and `parts`, what else shows on it
    (the state of what it reads, who may be given it)."""
    drawn_from = [get_language(), request.scheme, request.get_host(), request.path, sorted(request.GET.lists())]
    digest = hashlib.sha256(repr([*drawn_from, *parts]).encode()).hexdigest()[:40]
    return results_key(name, index_id=index_id, year=year, as_of=as_of, parts=(digest,))


def results_cached(name, *, index_id, year, as_of, parts=(), compute):
    """compute()'s value, from the cache when this (index, year)'s results have not changed since
    `as_of` (selectors.results_as_of of that index and year, read by the caller)."""
    if as_of is None:  # no recompute has finished and no result is stored: nothing to be as of
        return compute()
    return cached(results_key(name, index_id=index_id, year=year, as_of=as_of, parts=parts), compute)
