"""False fires of a keyword model on real recordings that do not hold its keyword: the
whole of ../shared/real_dev for an alexa model (every "computer" and "jarvis" recording is
a negative for it), and the held-out real speech (kwstiny.data.real_noise, evaluation only).

    python benchmarks/real_false_fires.py LABEL=MODEL [LABEL=MODEL ...]
        [--real-negatives dialog_nl,dialog_en] [--runtime litert] [--out PATH]

This is `kwstiny evaluate MODEL --negatives DIR ...` (kwstiny.stream.clip_evaluation): each
recording runs alone through what `kwstiny detect` runs, with its padding and noise floor,
at the model's own threshold; a recording false-fires when any keyword class fires in it.
Per folder: the false-fire rate with its 95 % Wilson interval, and false accepts per hour
of that audio with its exact Poisson interval; and FA/h on one keyword-free stream of all
the recordings over a noise bed. Writes benchmarks/results/real_false_fires.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from kwstiny.paths import write_json  # noqa: E402
from provenance import provenance  # noqa: E402
from real_voice_ablation import REAL_DEV, held_out_speech  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "real_false_fires.json"


def false_fires(model: str, folders: list[Path], runtime: str) -> dict:
    """`kwstiny evaluate MODEL --negatives ...`'s numbers per folder, and FA/h on the
    keyword-free stream of all of them."""
    import tempfile

    from kwstiny.stream.clip_evaluation import evaluate_clips

    with tempfile.TemporaryDirectory() as scratch:
        result = evaluate_clips(model, None, negatives=tuple(map(str, folders)),
                                runtime=runtime, out=str(Path(scratch) / "false_fires.json"))
    keep = ("recordings", "hours", "false_fire_rate", "false_accepts_per_hour", "fired")
    return {"model": result["model"], "runtime": runtime, "threshold": result["threshold"],
            "folders": {f: {k: r[k] for k in keep} for f, r in result["negative_sets"].items()},
            "keyword_free_stream": {
                "hours": result["stream"]["keyword_free_hours"],
                "false_accepts_per_hour":
                    result["stream"]["keyword_free_false_accepts_per_hour"]}}


def negative_folders(real_negatives: str) -> list[Path]:
    """Every real_dev folder, then the held-out real speech sources named (comma-separated)."""
    folders = sorted(p for p in REAL_DEV.iterdir() if p.is_dir())
    return folders + [held_out_speech(n) for n in real_negatives.split(",") if n]


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", nargs="+", metavar="LABEL=MODEL")
    parser.add_argument("--real-negatives", default="dialog_nl,dialog_en")
    parser.add_argument("--runtime", choices=["tflm", "litert"], default="litert")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    folders = negative_folders(args.real_negatives)
    table = json.loads(args.out.read_text()) if args.out.is_file() else {"rows": {}}
    for item in args.rows:
        label, model = item.split("=", 1)
        table["rows"][label] = false_fires(model, folders, args.runtime)
        table["protocol"] = __doc__.split("\n\n")[2].strip()
        table["provenance"] = provenance()
        write_json(args.out, table)
        for folder, r in table["rows"][label]["folders"].items():
            f, a = r["false_fire_rate"], r["false_accepts_per_hour"]
            print(f"{label}: {Path(folder).name}: {f['count']}/{f['of']} recordings fired, "
                  f"{a['count']} in {r['hours']:.2f} h = {a['rate']:.2f} FA/h "
                  f"[{a['low']:.2f}, {a['high']:.2f}]")


if __name__ == "__main__":
    main()
