"""``python -m bot`` is the ``orienta`` command."""

from bot.cli import main

raise SystemExit(main())
