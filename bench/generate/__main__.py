"""``python -m bench.generate``."""

from bench.generate._cli import main

main()
