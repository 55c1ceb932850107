"""What a model trained without some confusable words does on those words: each word said
by the reserved evaluation voices (festival's kal_diphone, ked_diphone and
cmu_us_slt_arctic_hts, never in any training split) at a few speeds and pitches, run
through `kwstiny evaluate` (the detector `kwstiny detect` runs) as negatives, beside the
keyword itself said the same way as positives.

    python benchmarks/dropped_confusables.py MODEL WORD [WORD ...] [--keyword computer]
        [--thresholds 231,240] [--out PATH]

Question it answers for kws_computer_all_neighbours: its unknown class lost "compute",
"computers", "com" ...; how often do they fire it? Writes
benchmarks/results/dropped_confusables/MODEL.json: false fires per word at the model's
threshold and at each of `--thresholds` (Wilson 95 % intervals), detections of the keyword.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from kwstiny.paths import write_json  # noqa: E402
from kwstiny.stats import wilson  # noqa: E402
from provenance import provenance  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "dropped_confusables"
SPEEDS = (0.85, 1.0, 1.15)
PITCHES = (0.9, 1.0, 1.1)
RATE = 16000


def say(text: str, folder: Path) -> None:
    """`text` by every reserved voice at every speed and pitch, one WAV each."""
    import soundfile as sf

    from kwstiny.data.synth import evaluation_voices, synthesize

    folder.mkdir(parents=True)
    for voice in evaluation_voices():
        for speed in SPEEDS:
            for pitch in PITCHES:
                audio = synthesize(text, voice, RATE, speed=speed, pitch=pitch)
                sf.write(folder / f"{voice.name}_{speed}_{pitch}.wav", audio, RATE)


def main() -> None:
    from kwstiny.stream.clip_evaluation import evaluate_clips

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("words", nargs="+")
    parser.add_argument("--keyword", default="computer")
    parser.add_argument("--thresholds", default="")
    parser.add_argument("--runtime", choices=["tflm", "litert"], default="litert")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    thresholds = [int(t) for t in args.thresholds.split(",") if t]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        say(args.keyword, root / args.keyword)
        for word in args.words:
            say(word, root / "negatives" / word)
        result = evaluate_clips(args.model, str(root / args.keyword),
                                negatives=tuple(str(root / "negatives" / w) for w in args.words),
                                snrs=(), runtime=args.runtime, out=str(root / "report"))

    clean = result["positives"]["clean"]
    words = {}
    for folder, r in result["negative_sets"].items():
        of = r["recordings"]
        words[Path(folder).name] = {
            "at_model_threshold": r["false_fire_rate"],
            **{f"at_{t}": wilson(r["curve_fired"][t], of) for t in thresholds},
            "fired": [Path(f).stem for f in r["fired"]]}
    report = {
        "model": result["model"], "runtime": args.runtime,
        "threshold": result["threshold"],
        "voices": "festival kal_diphone, ked_diphone, cmu_us_slt_arctic_hts (evaluation only)",
        "speeds": SPEEDS, "pitches": PITCHES,
        "keyword": {"word": args.keyword,
                    "at_model_threshold": clean["detection_rate"],
                    **{f"at_{t}": wilson(clean["curve_detected"][t], clean["detection_rate"]["of"])
                       for t in thresholds},
                    "missed": [Path(f).stem for f in clean["missed"]]},
        "words": words,
        "provenance": provenance(),
    }
    # The run's name, whole: a sweep run's "SPEC.seed-2" is no file suffix to strip.
    name = Path(args.model).name.removesuffix(".tflite")
    out = args.out or OUT / f"{name}.json"
    write_json(out, report)
    for word, r in words.items():
        print(f"{word:16s} " + "  ".join(f"{k.removeprefix('at_')}: {v['count']}/{v['of']}"
                                          for k, v in r.items() if k != "fired"))
    k = report["keyword"]
    print(f"{args.keyword:16s} " + "  ".join(f"{key.removeprefix('at_')}: {v['count']}/{v['of']}"
                                            for key, v in k.items() if key not in ("word", "missed")))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
