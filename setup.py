"""Installs the server's top-level folders under one import name, `telltale_server`, so they never clash with
another distribution's `schemas` or `services` (the rest of the metadata is in pyproject.toml)."""

from setuptools import find_packages, setup

FOLDERS = ("schemas", "streams", "services")

setup(
    packages=[f"telltale_server.{name}" for name in find_packages(include=[f"{folder}*" for folder in FOLDERS])],
    package_dir={f"telltale_server.{folder}": folder for folder in FOLDERS},
)
