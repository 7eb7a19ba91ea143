"""Performance suite: `python -m benchmarks [--size small|large] [--json PATH]`."""
