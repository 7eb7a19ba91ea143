from tui_analytics.cli import main

raise SystemExit(main())
