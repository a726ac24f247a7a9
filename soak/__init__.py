"""Soak, fault and fuzz runs against a live gunicorn + PostgreSQL (`make soak`, `make fuzz`).

Not collected by pytest: these take minutes and need PostgreSQL, so CI runs the fast gates
and these are run by hand.
"""
