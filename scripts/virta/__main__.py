from virta.cli import main

raise SystemExit(main())
