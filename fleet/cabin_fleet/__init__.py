"""cabin's fleet driver: replay + score many drives over a Ray cluster, and compare two builds.

- :mod:`cabin_fleet.manifest` reads what to replay (a corpus.json, a list of files, a folder);
- :mod:`cabin_fleet.tasks` replays and scores one drive with the ``cabin`` binary (one Ray task);
- :mod:`cabin_fleet.run` shards the drives over Ray, retries failures, reports progress, writes results;
- :mod:`cabin_fleet.stats` holds the confidence intervals;
- :mod:`cabin_fleet.report` compares two result sets (Markdown + JSON + a plot, and an exit status);
- :mod:`cabin_fleet.cli` is the ``cabin-fleet`` command (``cabin fleet`` calls it).
"""

__version__ = "0.1.0"
