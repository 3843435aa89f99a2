"""`python -m bench [name ...] [--option ...]`: run every benchmark module (or the named ones) in
turn; options (`--profile`) are left in `bench.OPTIONS` for the modules that read them."""

import importlib
import pkgutil
import sys
from pathlib import Path

from bench import OPTIONS


def main(argv: list[str]) -> None:
    here = Path(__file__).parent
    OPTIONS.update(a.removeprefix("--") for a in argv if a.startswith("--"))
    names = [a for a in argv if not a.startswith("--")] or sorted(
        m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_")
    )
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):  # settings and URL modules the benchmarks use
            continue
        print(f"\n=== bench.{name}", flush=True)
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
