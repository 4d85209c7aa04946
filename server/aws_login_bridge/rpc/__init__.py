"""``aws-login-bridge serve``: the JSON-RPC helper that editors and notebooks drive over stdio.

Layers, outside in: ``transport`` (the real stdin/stdout, taken over so nothing else can
write protocol bytes), ``framing`` (LSP base framing, tolerant of bad input), ``connection``
(turns frames into pygls messages and answers what pygls would drop), ``server`` (pygls
``LanguageServer`` plus the ``awsLogin/*`` features), ``handlers`` (thin: params → engine →
result), with ``pending`` (logins in progress) and ``watch`` (``awsLogin/sessionChanged``).
``client`` is the small synchronous Python client. See docs/protocol.md.
"""
