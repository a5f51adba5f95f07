"""Write the HTTP API's OpenAPI document to docs/openapi.json.

python scripts/openapi.py          # rewrite docs/openapi.json
python scripts/openapi.py --check  # exit 1 if docs/openapi.json is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file, only scripts/ would be on the path
    sys.path.insert(0, str(ROOT))

from api.main import create_app  # noqa: E402
from settings import Settings  # noqa: E402

OPENAPI_JSON = ROOT / "docs" / "openapi.json"
STALE = "docs/openapi.json is stale: run python scripts/openapi.py"


def render() -> str:
    """The OpenAPI document as committed: sorted keys, two-space indent, final newline."""
    schema = create_app(Settings(_env_file=None)).openapi()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    current = OPENAPI_JSON.read_text(encoding="utf-8") if OPENAPI_JSON.exists() else None
    if args.check:
        if current != text:
            print(STALE, file=sys.stderr)
            return 1
        return 0
    if current != text:
        OPENAPI_JSON.parent.mkdir(parents=True, exist_ok=True)
        OPENAPI_JSON.write_text(text, encoding="utf-8")
        print(f"wrote {OPENAPI_JSON.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
