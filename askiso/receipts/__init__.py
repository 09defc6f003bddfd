"""Verifiable receipts: a signed statement (JWS) of what a case's submission held and when it arrived."""
