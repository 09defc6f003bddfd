"""Satisfaction (CSAT): the submitter's rating of a resolved case."""
