"""Use cases: each service receives its repositories, connector factory, clock and publishers."""
