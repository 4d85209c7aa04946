"""Talking to AWS Sign-In: PKCE, the authorize URL, verification codes, DPoP and tokens."""
