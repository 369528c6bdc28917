"""The running Marquee version (from the installed distribution metadata)."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("marquee")
except PackageNotFoundError:  # running from a source tree that was not installed
    VERSION = "0.0.0+source"
