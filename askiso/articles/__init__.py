"""Help articles: the help centre, answers before asking, and article links in replies."""
