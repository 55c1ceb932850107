"""The real-voice ablation table: each trained model on ../shared/real_dev.

    python benchmarks/real_voice_ablation.py ROW [ROW ...] [--out PATH]

ROW is LABEL=MODEL:WORD (MODEL a spec name, run directory or .tflite; WORD the real_dev
folder of its keyword, the other folder being its real negatives), e.g.
`baseline=keyword_spotting_computer-demo:computer`. For each row the model's threshold is
first chosen on long audio of its validation voices (`kwstiny calibrate`, target 0.5
false accepts per hour), then `kwstiny evaluate --clips` runs it on the recordings; the
recordings never choose anything (--calibration-scale full: on 1.2 h of validation-voice
audio instead of a demo model's 0.23 h, where one false accept moves the threshold).
Rows already in the output are kept, so the table grows
one ingredient at a time. Writes benchmarks/results/real_voice_ablation.json.
The rows so far (all demo scale; KWSTINY_SPEC_PATH=benchmarks/real_voice_specs for the
kws_* specs): "baseline" = keyword_spotting_computer / _jarvis as trained before weight
averaging; "weight averaging" = the shipped specs now (kws_jarvis_averaged for jarvis);
"neighbours only", "SpecAugment", "streaming DilatedTCN" = kws_computer_neighbours,
_specaugment, _streaming; "baseline + 1 hard-negative round" =
train.hard_negative_rounds=1; "every ingredient" = kws_WORD_all; "natural voices" =
kws_WORD_natural; "natural voices + real dialogue" = kws_WORD_dialogue (its real-speech
threshold from dialog_cs_calibration, the half it did not train on); "..., average of seeds
A and B" = `kwstiny ensemble` of those runs (one int8 model, their scores averaged);
"..., distilled from the average of seeds ..." = kws_computer_kokoro_distilled,
kws_computer_kokoro_distilled_three and kws_jarvis_natural_kokoro_distilled (one TENet12
trained against that ensemble). Each row is run with
`--calibration-scale full --real-negatives dialog_nl,dialog_en`, once with the
synthetic validation streams' false accepts and once with `--calibration-real-speech
dialog_cs`. A row's "separability" (`separable`) picks its threshold on the real
negatives themselves: it ranks models, it is not an operating point.
Rows with `--calibration-scale long` choose the threshold on 7.2 h of validation-voice
audio (6 h keyword-free: a 0.5 FA/h target allows 3 false accepts, where the full scale's
hour allows none and its threshold is the one highest-scoring negative).
`--runtime litert` runs the same loop on LiteRT's kernels (about 20x faster than the
TFLM runtime; scores within one step of it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwstiny.paths import write_json  # noqa: E402

REAL_DEV = ROOT.parent / "shared" / "real_dev"
OUT = ROOT / "benchmarks" / "results" / "real_voice_ablation.json"
TARGET_FA_PER_HOUR = 0.5


def held_out_speech(name: str, keyword: str = "") -> Path:
    """A folder of the utterances of one held-out real speech source (kwstiny.data.real_noise,
    evaluation_only), made once under KWSTINY_HOME; without those whose transcript says
    `keyword` (Dutch dialogue says "computer"), which are no false fires."""
    from kwstiny.data.real_noise import speech_clips
    from kwstiny.paths import home

    # Named after the source (the JSON's keys), inside a folder per keyword left out.
    folder = home() / "cache" / "held_out_speech" / (f"without_{keyword}" if keyword
                                                     else "") / name
    speech_clips((name,), 16000, folder=folder, evaluation=True,
                 without=(keyword,) if keyword else ())
    return folder


def row(label: str, model: str, word: str, target: float = TARGET_FA_PER_HOUR,
        runtime: str = "tflm", calibration_scale: str | None = None,
        real_negatives: tuple[str, ...] = (), real_speech: tuple[str, ...] = (),
        streams_of: str = "") -> dict:
    from kwstiny.stream.calibrate import calibrate
    from kwstiny.stream.clip_evaluation import evaluate_clips

    others = [p for p in sorted(REAL_DEV.iterdir()) if p.is_dir() and p.name != word]
    others += [held_out_speech(name, word) for name in real_negatives]
    calibration = calibrate(model, target_fa_per_hour=target, runtime=runtime,
                            scale=calibration_scale, real_speech=real_speech,
                            streams_of=streams_of)
    result = evaluate_clips(model, str(REAL_DEV / word), negatives=tuple(map(str, others)),
                            runtime=runtime)
    keep = ("count", "of", "rate", "low", "high")
    return {
        "label": label, "model": result["model"], "keyword": word, "runtime": runtime,
        "threshold_policy": "real speech" if real_speech else "synthetic",
        "real_speech": list(real_speech),
        # Another spec's validation streams chose the threshold (kwstiny calibrate
        # --streams-of); empty: the model's own.
        "threshold_streams": streams_of,
        # The validation streams' scale ("long": 6 h, where a 0.5 FA/h target allows 3
        # false accepts; rows made before this field existed used "full", 1.24 h).
        "calibration_scale": calibration["data"]["scale"],
        # Confusable words that hold the keyword, left out of the validation streams
        # (kwstiny calibrate since they were); rows without the field counted them.
        "calibration_left_out": calibration["data"].get("left_out", []),
        # The held-out dialogue without the utterances that say the keyword (rows made
        # before this field existed kept Dutch dialogue that says "computer" 10 times).
        "negatives_without_keyword": True,
        "threshold": calibration["threshold"],
        "threshold_from": f"validation-voice streams ({calibration['data']['hours']:.2f} h "
                          f"at {calibration['data']['scale']} scale), false accepts on "
                          f"{calibration['false_accepts_from']}, target {target} FA/h",
        "validation_frr": calibration["frr"],
        "validation_false_accepts_per_hour": calibration["false_accepts_per_hour"],
        "detected": {name: {k: r["detection_rate"][k] for k in keep}
                     for name, r in result["positives"].items()},
        "false_fires": {Path(f).name: {k: r["false_fire_rate"][k] for k in keep}
                        for f, r in result["negative_sets"].items()},
        # Every threshold 0-255: real recordings detected (clean) and false fires, so rows
        # can also be compared at one threshold.
        "clean_detected_by_threshold": result["positives"]["clean"]["curve_detected"],
        "false_fires_by_threshold": {Path(f).name: r["curve_fired"]
                                     for f, r in result["negative_sets"].items()},
        "stream_frr": result["stream"]["frr"],
        "keyword_free_hours": result["stream"]["keyword_free_hours"],
        "keyword_free_false_accepts_per_hour":
            result["stream"]["keyword_free_false_accepts_per_hour"],
        "stream_false_accepts_per_hour": result["stream"]["false_accepts_per_hour"],
    }


def separable(row: dict, fires: int = 0) -> tuple[int, int, int]:
    """(detected, of, threshold): clean recordings detected at the lowest threshold where all
    the real negative recordings together false-fire at most `fires` times. The threshold
    is chosen on the evaluation data itself, so this ranks how well a model separates real
    keywords from real speech; it is not an operating point."""
    totals = [sum(curve[t] for curve in row["false_fires_by_threshold"].values())
              for t in range(256)]
    threshold = min(t for t in range(256) if totals[t] <= fires)
    return (row["clean_detected_by_threshold"][threshold], row["detected"]["clean"]["of"],
            threshold)


def row_key(row: dict) -> tuple:
    """A row per model, keyword and threshold policy (with its real speech sources)."""
    real = tuple(row.get("real_speech") or (["dialog_cs"] if row["threshold_policy"] ==
                                            "real speech" else []))
    return row["label"], row["keyword"], row["threshold_policy"], real, \
        row.get("threshold_streams", ""), row.get("calibration_scale", "full"), \
        tuple(row.get("calibration_left_out", ()))


def policy(row: dict) -> str:
    """Where a row's false accepts were counted to choose its threshold."""
    real, streams, scale, left_out = row_key(row)[3:]
    where = f"real ({', '.join(real)})" if real else "synthetic"
    if scale != "full":
        hours = float(row["threshold_from"].split("(", 1)[1].split(" h", 1)[0])
        where += f" ({hours:.1f} h)"
    if left_out:
        where += f", without {'/'.join(left_out)}"
    return f"{where}, {streams} streams" if streams else where


def markdown_table(table: dict) -> str:
    """The README's ablation table, from the JSON (tests/test_readme_results.py checks the
    README holds exactly this)."""
    lines = ["| keyword | model | threshold from | threshold | clean | 10 dB | 5 dB | "
             "false fires, other word | keyword-free real audio | separability |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    order = {"synthetic": 0, "real speech": 1}
    for r in sorted(table["rows"], key=lambda r: (r["keyword"], order[r["threshold_policy"]],
                                                  row_key(r)[3:])):
        d = r["detected"]
        clean = d["clean"]
        other = next(v for k, v in r["false_fires"].items() if k in ("computer", "jarvis"))
        fa = r["keyword_free_false_accepts_per_hour"]
        found, of, at = separable(r)
        lines.append(
            f"| {r['keyword']} | {r['label']} | {policy(r)} | "
            f"{r['threshold']} | {clean['count']}/{clean['of']} = {100 * clean['rate']:.1f} % "
            f"[{100 * clean['low']:.1f}, {100 * clean['high']:.1f}] | "
            f"{d['snr_10db']['count']}/{d['snr_10db']['of']} | "
            f"{d['snr_5db']['count']}/{d['snr_5db']['of']} | {other['count']}/{other['of']} | "
            f"{fa['count']} in {r['keyword_free_hours']:.2f} h = {fa['rate']:.2f} /h "
            f"[{fa['low']:.2f}, {fa['high']:.2f}] | {found}/{of} at {at} |")
    return "\n".join(lines)


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", nargs="+", metavar="LABEL=MODEL:WORD")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--runtime", choices=["tflm", "litert"], default="tflm")
    parser.add_argument("--calibration-scale", choices=["full", "demo", "test", "long"],
                        default=None,
                        help="scale of the validation-voice streams the threshold is chosen "
                             "on (default: the model's own; full = 1.2 h of audio, long = 7 h)")
    parser.add_argument("--real-negatives", default="",
                        help="comma-separated held-out real speech sources to add as negatives "
                             "(e.g. dialog_nl,dialog_en: 1.7 h of real speech for FA/h)")
    parser.add_argument("--calibration-real-speech", default="",
                        help="count the calibration's false accepts on these trainable real "
                             "speech sources (e.g. dialog_cs) instead of the synthetic audio")
    parser.add_argument("--calibration-streams", default="", metavar="SPEC",
                        help="choose the threshold on SPEC's validation streams instead of the "
                             "model's own (kwstiny calibrate --streams-of)")
    args = parser.parse_args()
    real_speech = tuple(n for n in args.calibration_real_speech.split(",") if n)
    real_negatives = tuple(n for n in args.real_negatives.split(",") if n)
    table = {"rows": []}
    for spec in args.rows:
        label, rest = spec.split("=", 1)
        model, word = rest.rsplit(":", 1)
        new = row(label, model, word, runtime=args.runtime,
                  calibration_scale=args.calibration_scale, real_negatives=real_negatives,
                  real_speech=real_speech, streams_of=args.calibration_streams)
        # Read just before writing: a row another run added meanwhile stays.
        if args.out.is_file():
            table = json.loads(args.out.read_text())
        table["rows"] = [r for r in table["rows"] if row_key(r) != row_key(new)] + [new]
        table["protocol"] = __doc__.split("\n\n")[1].strip()
        write_json(args.out, table)
    for r in table["rows"]:
        d = r["detected"]
        print(f"{r['label']:<28} {r['keyword']:<9} thr {r['threshold']:3d}  "
              + "  ".join(f"{k} {v['count']}/{v['of']}" for k, v in d.items())
              + "  false fires " + ", ".join(f"{k} {v['count']}/{v['of']}"
                                             for k, v in r["false_fires"].items()))


if __name__ == "__main__":
    main()
