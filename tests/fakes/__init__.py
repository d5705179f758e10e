"""Stand-ins for outside systems that model their documented behaviour, inconvenient parts included."""
