"""Bundled regimen files (TOML), installed as package data."""
