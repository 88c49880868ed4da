"""Command line: `python -m bookmyseat.manage check | migrate | demo-data | sweep | backup FILE |
restore FILE`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bookmyseat import migrations
from bookmyseat.server import production_gate
from bookmyseat.services.booking.holds import expire_lapsed_holds
from bookmyseat.services.demo.data import load_demo_data
from bookmyseat.services.operations.backup import BackupError, backup, restore
from bookmyseat.settings import SettingsError, effective, get_settings


def check() -> int:
    """Print the effective configuration (secrets masked) and every problem; 1 if production
    would refuse to start."""
    settings = get_settings()
    for variable, value in effective(settings).items():
        print(f"{variable}={value}")
    found = production_gate.problems(settings)
    print(f"\nBOOKMYSEAT_ENV={settings.environment}: {len(found)} problem(s) for production")
    for problem in found:
        print(problem)
    return 1 if settings.production and any(p.level == "error" for p in found) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bookmyseat.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="print the configuration (secrets masked) and its problems")
    sub.add_parser("migrate", help="apply the database migrations")
    demo = sub.add_parser("demo-data", help="load the demo data (idempotent; not in production)")
    demo.add_argument("--days", type=int, default=7)
    demo.add_argument("--history-days", type=int, default=60, help="days of past sales (0: none)")
    sub.add_parser("sweep", help="expire lapsed seat holds once")
    save = sub.add_parser("backup", help="back the database up to FILE, while the site runs")
    save.add_argument("file", type=Path)
    load = sub.add_parser("restore", help="replace the database with the backup in FILE")
    load.add_argument("file", type=Path)
    load.add_argument("--yes", action="store_true", help="do not ask (the site is stopped)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    try:
        get_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2

    if args.command == "check":
        return check()
    if args.command == "migrate":
        migrations.migrate()
        print("Database is at the latest migration.")
    elif args.command == "demo-data":
        try:
            counts = load_demo_data(days=args.days, history_days=args.history_days)
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 2
        print("Demo data ready: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    elif args.command == "sweep":
        print(f"Expired {expire_lapsed_holds()} lapsed holds.")
    elif args.command in ("backup", "restore"):
        return backup_or_restore(args.command, args.file, confirmed=getattr(args, "yes", False))
    return 0


def backup_or_restore(command: str, file: Path, *, confirmed: bool) -> int:
    url = get_settings().database_url
    try:
        if command == "backup":
            print(f"Backed up to {backup(url, file)}.")
            return 0
        if not confirmed:
            answer = input(f"Replace every row of the database with {file}? Type yes: ")
            if answer.strip().lower() != "yes":
                print("Nothing was restored.")
                return 1
        restore(url, file)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"Restored from {file}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
