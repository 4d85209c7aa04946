from aws_login_bridge.cli import main

raise SystemExit(main())
