"""Writing a benchmark's results file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def save(report: dict[str, Any], path: Path) -> None:
    """Write ``report`` as indented JSON to ``path`` (folders made) and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path}")
