"""aws-login-bridge: AWS console sign-in (`aws login --remote`) for editors and notebooks."""

__version__ = "0.1.0"
