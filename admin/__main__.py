"""``python -m admin``: run the console, create accounts, enforce retention.

  python -m admin create-user NAME --role admin|reviewer|agent [--deployment X]
                                                           (password asked, or --password-stdin; agents answer
                                                           the tickets of one deployment, default $DEPLOYMENT)
  python -m admin serve [--port 5010]                      (127.0.0.1 only; put it behind HTTPS to expose it)
  python -m admin retention [--days 180]                   (for cron: erase users inactive longer than that)
"""

from __future__ import annotations

import argparse
import getpass
import sys

from admin.security import ROLES, create_user
from lmi4vet.db.engine import database_url, make_engine, session_scope, upgrade
from lmi4vet.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="create an account (or reset its password and role)")
    create.add_argument("username")
    create.add_argument("--role", choices=ROLES, default="admin")
    create.add_argument("--deployment", default=None,
                        help="whose tickets the account sees (agents: default $DEPLOYMENT; others: all)")
    create.add_argument("--password-stdin", action="store_true")
    serve = sub.add_parser("serve")
    serve.add_argument("--port", type=int, default=5010)
    serve.add_argument("--host", default="127.0.0.1")
    retention = sub.add_parser("retention")
    retention.add_argument("--days", type=int, default=None)
    args = parser.parse_args(argv)
    upgrade()
    if args.command == "create-user":
        deployment = args.deployment or (Settings.from_env().deployment if args.role == "agent" else None)
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
        try:
            with session_scope(make_engine(database_url())) as session:
                create_user(session, args.username, password, args.role, deployment)
        except ValueError as exc:
            print(f"not created: {exc}", file=sys.stderr)
            return 1
        scope = f"deployment {deployment}" if deployment else "all deployments"
        print(f"account {args.username!r} ({args.role}, {scope}) ready")
        return 0
    if args.command == "retention":
        from lmi4vet.privacy import main as privacy_main

        return privacy_main(["retention"] + ([f"--days={args.days}"] if args.days else []))
    from admin.app import create_app

    print(f"==> Admin console at http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    create_app().run(host=args.host, port=args.port, debug=False, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
