"""make keys ARGS='add NAME|list|revoke NAME': manage the deployed service's API keys (setting api_keys)."""

from __future__ import annotations

import argparse
import sys

# The library shares the command's name (one is the command, the other what it manages): imported by package.
from scripts.aws import api_keys as keys_library


def parser() -> argparse.ArgumentParser:
    """The command line: one action and, for add and revoke, a key name."""
    parsed = argparse.ArgumentParser(prog="make keys ARGS=", description=__doc__)
    actions = parsed.add_subparsers(dest="action", required=True, metavar="add NAME|list|revoke NAME")
    actions.add_parser("add", help="create a key and print it once").add_argument("name")
    actions.add_parser("list", help="names, creation times and this month's characters")
    actions.add_parser("revoke", help="remove a key; it stops working within a minute").add_argument("name")
    return parsed


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        store = keys_library.locate()
        if arguments.action == "add":
            key = keys_library.add_key(store, arguments.name)
            print(f"Added key {arguments.name}. It is shown this once and stored only as a hash; keep it now:\n")
            print(f"  {key}\n")
            print("\n".join(keys_library.how_to_use(key)))
        elif arguments.action == "revoke":
            keys_library.revoke_key(store, arguments.name)
            print(f"Revoked key {arguments.name}: the service refuses it {keys_library.TAKES_EFFECT}.")
        else:
            keys = keys_library.list_keys(store)
            print(f"{'name':<24} {'created (UTC)':<21} characters this month")
            print("\n".join(f"{k.name:<24} {k.created:<21} {k.characters_this_month}" for k in keys) or "(no keys)")
    except keys_library.KeysError as error:
        print(f"keys: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
