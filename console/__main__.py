from inference_console.cli import main

raise SystemExit(main())
