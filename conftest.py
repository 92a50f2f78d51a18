"""Fixtures every test module can use. Tests run on real Postgres and Redis."""
