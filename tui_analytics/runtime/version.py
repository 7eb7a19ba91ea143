"""The package version, in the layer everything may import (the root package imports every layer)."""

__version__ = "0.1.0"  # as pyproject.toml says
