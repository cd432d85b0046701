"""`xp-client sync [SPOOL_DIR]`: sends what crashed or offline processes left in their spools.

Each spool directory found at or under SPOOL_DIR (default: XP_SPOOL_DIR or ~/.cache/xp-client/spool)
is sent from its acknowledged position; directories a live process still owns are skipped. A
directory is deleted once the server answered every line (kept when it holds rejected.ndjson).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Callable, List, Optional

from .pipeline_config import PipelineConfig
from .sender import Pipeline
from .spool import read_meta
from .spool_dirs import SpoolLocked, default_spool_root, spool_dirs_under
from .run import DEFAULT_URL


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="xp-client", description="xp Python client tools")
    commands = parser.add_subparsers(dest="command", required=True)
    sync = commands.add_parser("sync", help="send the events left in spool directories")
    sync.add_argument("spool_dir", nargs="?", default=None, help="a spool directory or a folder of them")
    sync.add_argument("--url", default=None, help="server URL (default: XP_URL, else the URL the spool was made for)")
    sync.add_argument("--key", default=None, help="API key (default: XP_API_KEY)")
    sync.add_argument("--timeout", type=float, default=600.0, help="seconds to wait per directory (default 600)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    return sync_dirs(args.spool_dir or default_spool_root(), args.url, args.key, args.timeout)


def sync_dirs(root: str, url: Optional[str], key: Optional[str], timeout: float, report: Callable[[str], None] = print) -> int:
    """0 when everything found was answered (and accepted), 1 when something was rejected or left."""
    if not os.path.exists(root):
        report(f"no spool at {root}: nothing to send")
        return 0
    status = 0
    found = 0
    for directory in spool_dirs_under(root):
        found += 1
        meta = read_meta(directory) or {}
        target = url or os.environ.get("XP_URL") or meta.get("url") or DEFAULT_URL
        pipeline = Pipeline(PipelineConfig(target, key or os.environ.get("XP_API_KEY"), root), adopt_dir=directory)
        try:
            pipeline.start()
            pipeline.wait_ready()
            if pipeline.spool is None:
                raise pipeline.open_error or RuntimeError("spool did not open")
        except SpoolLocked as error:
            report(f"skipped {directory}: {error}")
            continue
        done = pipeline.close(timeout)
        stats = pipeline.stats
        line = f"{directory}: {stats.answered_lines} events answered by {target}, {stats.rejected_lines} rejected"
        if not done:
            line += "; not finished, the rest stays in the spool"
            status = 1
        if stats.rejected_lines:
            line += f" (reasons in {os.path.join(directory, 'rejected.ndjson')})"
            status = 1
        report(line)
    if found == 0:
        report(f"no spool directories under {root}: nothing to send")
    return status


if __name__ == "__main__":
    sys.exit(main())
