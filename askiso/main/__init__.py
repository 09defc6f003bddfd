"""Home page and help."""
