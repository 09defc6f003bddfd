"""Public inquiries from non-participants."""
