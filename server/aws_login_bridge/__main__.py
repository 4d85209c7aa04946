"""``python -m aws_login_bridge``: the same entry point as the ``aws-login-bridge`` script."""

from aws_login_bridge.entry import main

raise SystemExit(main())
