"""CAMS: participants, memberships, Security Administrator self-service."""
