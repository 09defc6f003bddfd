"""Cases: submit, track, follow up."""
