"""The baseline for the CLI start-up case: a bare argparse program printing its help (or version).

Run as `python -m benchmarks.bare_help --help` or `--version`.
"""

import argparse

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", action="version", version="bare 0")
    parser.parse_args()
