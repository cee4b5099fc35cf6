"""``python -m fashn_mock``: the ``fashn-mock`` command."""

from fashn_mock.cli import main

raise SystemExit(main())
