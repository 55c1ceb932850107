"""How long the synthetic datasets take to make, and what they hold.

Each scale is synthesized from scratch into a fresh KWSTINY_HOME (a temporary folder
unless --home is given), timed, then indexed with the alexa spec's dataset settings to
count clips and voices per split. Writes benchmarks/dataset_synthesis.json.

    python benchmarks/dataset_synthesis.py --scales test demo [full] [--streams test]
    python benchmarks/dataset_synthesis.py --spec SPEC --scales full   # any spec's recipe

Per engine it also records the clips and their summed render time (worker threads
overlap, so the sum exceeds the wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kwstiny.data.index import load_index  # noqa: E402
from kwstiny.data.recipes import load_recipe  # noqa: E402
from kwstiny.data.synth import voices  # noqa: E402
from kwstiny.paths import write_json  # noqa: E402
from provenance import provenance  # noqa: E402
from kwstiny.spec import load_spec  # noqa: E402

OUT = Path(__file__).with_suffix(".json")


def spec_recipe(spec_name: str):
    """The synthesis recipe a spec's dataset names or holds."""
    source = load_spec(spec_name).dataset.source
    return load_recipe(source) if isinstance(source, str) else source


def measure_dataset(scale: str, workers: int | None,
                    spec_name: str = "keyword_spotting_alexa") -> dict:
    recipe = spec_recipe(spec_name)
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    root = recipe.prepare(scale, workers=workers)
    seconds = time.perf_counter() - began
    spec = load_spec(spec_name).with_overrides({"dataset.scale": scale})
    began = time.perf_counter()
    index = load_index(spec.dataset, spec.frontend.sample_rate_hz)
    index_seconds = time.perf_counter() - began
    summary = json.loads((root / "dataset.json").read_text())
    size = sum(p.stat().st_size for p in root.rglob("*.wav"))
    return {
        "scale": scale, "seconds": round(seconds, 1), "clips": summary["clips"],
        "clips_per_second": round(sum(summary["clips"].values()) / seconds, 1),
        "voices_used": summary["voices_used"], "workers": summary["workers"],
        "clips_per_engine": summary.get("clips_per_engine"),
        "render_seconds_per_engine": summary.get("render_seconds_per_engine"),
        "load_average_at_start": round(load_before, 2), "megabytes": round(size / 1e6, 1),
        "splits": index.counts(),
        "groups_per_split": {s: len(index.groups(s)) for s in ("train", "validation", "test")},
        "skipped": len(index.skipped), "index_seconds": round(index_seconds, 2),
    }


def measure_streams(scale: str, workers: int | None) -> dict:
    recipe = load_recipe("alexa_stream")
    began = time.perf_counter()
    root = recipe.prepare(scale, workers=workers)
    seconds = time.perf_counter() - began
    summary = json.loads((root / "dataset.json").read_text())
    return {"scale": scale, "seconds": round(seconds, 1), "keywords": summary["keywords"],
            "keyword_seconds": summary["keyword_seconds"],
            "negative_seconds": summary["negative_seconds"],
            "held_out_voices": len(summary["voices"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="*", default=["test", "demo"])
    parser.add_argument("--streams", nargs="*", default=[])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--home", default=None, help="KWSTINY_HOME to make the data in")
    parser.add_argument("--spec", default="keyword_spotting_alexa",
                        help="whose dataset recipe to make (others than alexa's are kept "
                             "under 'recipes' in the JSON)")
    args = parser.parse_args()
    home = args.home or tempfile.mkdtemp(prefix="kwstiny_bench_")
    os.environ["KWSTINY_HOME"] = home
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()}
    engines = tuple(spec_recipe(args.spec).engines)
    results.setdefault("voices_available", {}).update(
        {e: len(v) for e, v in voices(engines).items()})
    for scale in args.scales:
        made = measure_dataset(scale, args.workers, args.spec)
        if args.spec == "keyword_spotting_alexa":
            results.setdefault("datasets", {})[scale] = made
        else:
            results.setdefault("recipes", {}).setdefault(args.spec, {})[scale] = made
        print(json.dumps(made, indent=1))
    for scale in args.streams:
        results.setdefault("streams", {})[scale] = measure_streams(scale, args.workers)
        print(json.dumps(results["streams"][scale], indent=1))
    write_json(OUT, {**results, "provenance": provenance()})
    print(f"wrote {OUT} (data in {home})")


if __name__ == "__main__":
    main()
