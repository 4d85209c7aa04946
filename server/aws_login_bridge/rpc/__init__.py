"""``aws-login-bridge serve``: the JSON-RPC helper that editors and notebooks drive over stdio.

Layers, outside in: ``transport`` (the real stdin/stdout, taken over so nothing else can
write protocol bytes), ``framing`` (LSP base framing, tolerant of bad input), ``connection``
(checks each message's envelope, answers what pygls would drop, then hands it to pygls's
public API), ``app`` (pygls ``LanguageServer`` plus the ``awsLogin/*`` features),
``handlers`` (thin: params → engine → result), with ``pending`` (logins in progress) and
``watch`` (``awsLogin/sessionChanged``). ``client`` is the small synchronous Python client.
The protocol itself is declared in ``aws_login_bridge.protocol``. See docs/protocol.md.
"""
