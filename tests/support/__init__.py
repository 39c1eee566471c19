"""Helpers shared by the tests: builders, fakes and the emulator's plumbing (no fixtures, no hooks).

conftest.py files hold only fixtures and hooks and import what they need from here, so a helper can be
imported by any test module without importing another directory's conftest.
"""
