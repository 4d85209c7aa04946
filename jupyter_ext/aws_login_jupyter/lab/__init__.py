"""The Jupyter Server side of the JupyterLab extension: one helper for the whole server.

``app`` is the server extension, ``hub`` owns the helper and fans its ``sessionChanged``
out to browsers and kernels, ``handlers`` are the REST and event-stream endpoints, and
``kernel_link`` is how a kernel's ``%aws_login`` finds this server's helper.
"""
