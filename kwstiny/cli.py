"""The `kwstiny` command: each command parses its options and calls one package function."""

from __future__ import annotations

import sys

import click

from kwstiny.errors import KwstinyError


class _Group(click.Group):
    """Prints a KwstinyError as one line (no traceback) and exits with status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KwstinyError as error:
            click.secho(f"error: {error}", fg="red", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kwstiny")
def main():
    """Train, quantize, profile and run keyword-spotting models for Cortex-M33 boards."""


@main.command("list_specs")
def list_specs():
    """List the model specs kwstiny can find by name."""
    from kwstiny.spec import available_specs
    for name in available_specs():
        click.echo(name)


def _spec(name: str):
    from kwstiny.spec import load_spec
    return load_spec(name)


@main.command("new")
@click.argument("name")
@click.option("--keyword", "-k", required=True, help='The keyword\'s text, e.g. "hey computer".')
@click.option("--base", default="keyword_spotting_alexa", show_default=True,
              help="Spec whose frontend, model, training and detection settings are copied.")
@click.option("--folder", type=click.Path(file_okay=False),
              help="Where NAME.py goes [default: the first KWSTINY_SPEC_PATH folder, else .].")
@click.option("--streaming", is_flag=True,
              help="A streaming model: the base is keyword_spotting_alexa_streaming.")
@click.option("--neighbours-only", is_flag=True,
              help="Leave out the confusables that contain the keyword, are its parts or start "
                   "like it (compute for computer). The validation threshold comes out lower "
                   "(more real keywords detected, for \"computer\"); the model then fires on "
                   "those words.")
@click.option("--force", is_flag=True, help="Replace an existing NAME.py.")
def new_command(name, keyword, base, folder, streaming, neighbours_only, force):
    """Write a spec NAME.py that trains a model for KEYWORD from synthesized speech, with
    confusable words generated from the keyword's phonemes."""
    from kwstiny.new_spec import STREAMING_BASE, new_spec
    if streaming:
        if base not in ("keyword_spotting_alexa", STREAMING_BASE):
            raise click.UsageError("--streaming sets the base spec; give --base or --streaming")
        base = STREAMING_BASE
    path = new_spec(name, keyword, base=base, folder=folder, force=force,
                    neighbours_only=neighbours_only)
    click.echo(f"wrote {path}; train it with: kwstiny train {path}")


def _tensorflow(command: str):
    """Start TensorFlow quietly before a command that trains or converts; without the
    [train] extra, say so in one line."""
    from kwstiny.tensorflow_quiet import import_tensorflow
    _needs("train", command)
    import_tensorflow()


def _needs(extra: str, command: str, modules: tuple[str, ...] | None = None):
    from kwstiny.extras import require
    require(extra, f"kwstiny {command}", modules)


@main.command("train")
@click.argument("spec")
@click.argument("overrides", nargs=-1)
@click.option("-m", "--multirun", is_flag=True,
              help="Sweep: train every combination of the overrides' comma-separated values "
                   "and write a results table (CSV + Markdown).")
@click.option("--epochs", type=click.IntRange(min=1), help="Override the spec's epoch count.")
@click.option("--resume", is_flag=True, help="Continue from the last finished epoch.")
@click.option("--clean", is_flag=True, help="Delete the run directory first.")
@click.option("--no-evaluate", is_flag=True, help="Stop after fitting (no quantize/evaluate).")
def train_command(spec, overrides, multirun, epochs, resume, clean, no_evaluate):
    """Train SPEC (a name, NAME-test, or a .py path), then quantize and evaluate it.

    OVERRIDES are dotted settings, KEY=VALUE (train.label_smoothing=0.1); with -m each
    may list several values (model.options.setting=A,B,C,D) and every combination is
    trained in turn."""
    if resume and clean:
        raise click.UsageError("--resume and --clean contradict each other")
    _tensorflow("train")
    from kwstiny.training.sweep import apply_overrides, sweep
    from kwstiny.training.train import train
    if multirun:
        if not overrides:
            raise click.UsageError("-m needs at least one KEY=VALUE[,VALUE...] override")
        sweep(_spec(spec), list(overrides), epochs=epochs, evaluate_after=not no_evaluate,
              clean=clean)
        return
    train(apply_overrides(_spec(spec), list(overrides)), epochs=epochs, resume=resume,
          clean=clean, evaluate_after=not no_evaluate)


@main.command("quantize")
@click.argument("spec")
@click.option("--qat", is_flag=True, help="Quantization-aware fine-tuning before conversion.")
def quantize_command(spec, qat):
    """Write SPEC's int8 .tflite (settings in its metadata) into its run directory."""
    _tensorflow("quantize")
    from kwstiny.quantize import quantize
    quantize(_spec(spec), qat=qat or None)


@main.command("ensemble")
@click.argument("runs", nargs=-1, required=True)
@click.option("--name", help="The ensemble's run name [default: FIRST.ensemble-N].")
def ensemble_command(runs, name):
    """Average RUNS (trained runs of one spec, e.g. SPEC and SPEC.seed-2) into one int8
    model, written as a run of its own: its scores are the mean of the members'."""
    _tensorflow("ensemble")
    from kwstiny.ensemble import write_ensemble
    write_ensemble(list(runs), name=name)


@main.command("evaluate")
@click.argument("spec")
@click.option("--tflite", is_flag=True, help="Evaluate the int8 .tflite on the TFLM runtime.")
@click.option("--stream", is_flag=True,
              help="Stream evaluation of the .tflite: FRR and false accepts per hour on long "
                   "audio (SPEC may then also be a run directory or a .tflite file).")
@click.option("--stream-data", metavar="RECIPE|FOLDER",
              help="Long-audio recipe or folder of streams [default: KEYWORD_stream].")
@click.option("--stream-scale", type=click.Choice(["full", "demo", "test", "long"]),
              help="Recipe scale [default: the spec's dataset scale; long: 6 h of "
                   "keyword-free audio, 400 keywords].")
@click.option("--clips", type=click.Path(file_okay=False, exists=True),
              help="Folder of recordings, one keyword each: detection rate clean and in "
                   "noise, and a stream for FRR / FA/h (SPEC may be a run dir or .tflite).")
@click.option("--negatives", multiple=True, type=click.Path(file_okay=False, exists=True),
              help="A folder of recordings without the keyword (repeatable): false fires per "
                   "folder; alone (no --clips), only those and FA/h on their stream.")
@click.option("--keyword", help="With --clips: the keyword class of the recordings "
                                "[default: the model's only keyword class].")
@click.option("--snr", "snrs", default="10,5", show_default=True,
              help="With --clips: SNRs (dB) at which the positives are also mixed with noise.")
@click.option("--out", type=click.Path(dir_okay=False),
              help="With --clips / --negatives: JSON path [default: evaluation/clips_DIR.json, "
                   "or false_fires_DIR.json, by the model].")
@click.option("--runtime", type=click.Choice(["tflm", "litert"]), default="tflm",
              show_default=True, help="Interpreter for --stream and --clips.")
def evaluate_command(spec, tflite, stream, stream_data, stream_scale, clips, negatives,
                     keyword, snrs, out, runtime):
    """Clip metrics of SPEC on its voice-held-out test split (JSON + plots); with
    --stream, FRR / false accepts per hour and their curve over thresholds; with --clips,
    detection and false-fire rates on recordings (95 % intervals); with --negatives
    alone, false fires on recordings that do not hold the keyword."""
    if clips or negatives:
        _needs("plots", "evaluate --clips")
        from kwstiny.stream.clip_evaluation import evaluate_clips
        try:
            levels = tuple(float(v) for v in snrs.split(",") if v.strip())
        except ValueError:
            raise click.BadParameter(f"{snrs!r}: give SNRs in dB separated by commas",
                                     param_hint="--snr") from None
        evaluate_clips(spec, clips, negatives=tuple(negatives), keyword=keyword, snrs=levels,
                       runtime=runtime, out=out)
        return
    if keyword or out:
        raise click.UsageError("--keyword and --out go with --clips or --negatives")
    if stream:
        _needs("plots", "evaluate --stream")
        from kwstiny.stream.evaluation import evaluate_stream
        evaluate_stream(spec, runtime=runtime, data=stream_data, scale=stream_scale)
        return
    if tflite:
        # The int8 model runs without TensorFlow; the metrics and plots need these.
        _needs("train", "evaluate --tflite", ("sklearn", "matplotlib"))
    else:
        _tensorflow("evaluate")
    from kwstiny.evaluate import evaluate
    evaluate(_spec(spec), tflite=tflite)


@main.command("calibrate")
@click.argument("model")
@click.option("--target-fa-per-hour", type=click.FloatRange(min=0), default=0.5,
              show_default=True, help="Most false accepts per hour on the validation streams.")
@click.option("--scale", type=click.Choice(["full", "demo", "test", "long"]),
              help="Validation stream scale [default: the spec's dataset scale; long: 6 h, "
                   "so a 0.5 FA/h target rests on 3 false accepts, not on none].")
@click.option("--runtime", type=click.Choice(["tflm", "litert"]), default="tflm",
              show_default=True)
@click.option("--real-speech", default="", metavar="SOURCE[,SOURCE]",
              help="Count false accepts on these real speech recordings (e.g. dialog_cs; "
                   "kwstiny.data.real_noise) instead of the synthetic keyword-free audio.")
@click.option("--streams-of", default="", metavar="SPEC",
              help="Use SPEC's validation streams (same classes) instead of the model's own.")
def calibrate_command(model, target_fa_per_hour, scale, runtime, real_speech, streams_of):
    """Choose MODEL's detection threshold on long audio of its validation voices (never
    the test split) and write it into the .tflite's metadata."""
    from kwstiny.stream.calibrate import calibrate
    calibrate(model, target_fa_per_hour=target_fa_per_hour, scale=scale, runtime=runtime,
              real_speech=tuple(n for n in real_speech.split(",") if n), streams_of=streams_of)


def _detection_options(command):
    """--threshold / --suppression / --window / --count / --latency: override the
    detection settings the model carries in its metadata."""
    options = [
        click.option("--threshold", type=click.IntRange(0, 255),
                     help="Detection threshold 0-255 (replaces per-class thresholds too)."),
        click.option("--suppression", type=click.IntRange(min=0),
                     help="ms after a detection before its class can fire again."),
        click.option("--window", type=click.IntRange(min=1),
                     help="Averaging window (average_window_duration_ms)."),
        click.option("--count", type=click.IntRange(min=1),
                     help="Results needed in the window before any decision."),
        click.option("--latency", type=click.IntRange(min=1),
                     help="ms of audio between inferences (whole frame steps)."),
        click.option("--runtime", type=click.Choice(["tflm", "litert"]), default="tflm",
                     show_default=True,
                     help="TFLM Python runtime (the board's kernels) or LiteRT (faster)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _overrides(threshold, suppression, window, count, latency) -> dict:
    return {"threshold": threshold, "suppression_ms": suppression, "window_ms": window,
            "minimum_count": count, "latency_ms": latency}


_DEVICE_HELP = ("Run on a board (QEMU, the host build or an EFR32xG24) through kwstiny's "
                "firmware: audio goes to it, its scores and detections come back.")
_PORT_HELP = ("The board's serial port with --device (default: KWSTINY_PORT, or the board "
              "`kwstiny flash` started).")


@main.command("classify_audio")
@click.argument("model")
@click.option("--file", "files", multiple=True, type=click.Path(dir_okay=False),
              help="Classify this audio file instead of the microphone (repeatable).")
@_detection_options
@click.option("--fast", is_flag=True, help="Play --file audio as fast as possible, not in real time.")
@click.option("--device", "board", is_flag=True, help=_DEVICE_HELP)
@click.option("--port", help=_PORT_HELP)
@click.option("--input-device", help="Microphone: input device name or number (default: the system's).")
@click.option("--verbose", "-v", is_flag=True, help="Print every inference's scores.")
@click.option("--dump-audio", type=click.Path(file_okay=False),
              help="Write each detection's audio window as a wav into this folder.")
@click.option("--dump-spectrograms", type=click.Path(file_okay=False),
              help="Write each detection's model input as a PNG into this folder.")
def classify_audio_command(model, files, threshold, suppression, window, count, latency,
                           runtime, fast, board, port, input_device, verbose, dump_audio,
                           dump_spectrograms):
    """Run MODEL (a spec name, run directory or .tflite) live on the microphone or on
    --file audio, showing the class scores and each detection."""
    if dump_spectrograms:
        _needs("plots", "classify_audio --dump-spectrograms")
    from kwstiny.stream.classify import classify_audio
    if input_device is not None and input_device.isdigit():
        input_device = int(input_device)
    classify_audio(model, files, runtime=runtime, realtime=not fast, input_device=input_device,
                   verbose=verbose, dump_audio=dump_audio, dump_spectrograms=dump_spectrograms,
                   board=board, port=port,
                   **_overrides(threshold, suppression, window, count, latency))


@main.command("detect")
@click.argument("model")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_detection_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per detection and line.")
@click.option("--device", "board", is_flag=True, help=_DEVICE_HELP)
@click.option("--port", help=_PORT_HELP)
def detect_command(model, files, threshold, suppression, window, count, latency, runtime,
                   as_json, board, port):
    """Stream FILES through MODEL as fast as possible; print each detection: file, time
    (s), class, score (0-255)."""
    from kwstiny.stream.classify import detect
    detect(model, files, as_json=as_json, runtime=runtime, board=board, port=port,
           **_overrides(threshold, suppression, window, count, latency))


@main.command("view_audio")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--spec", "spec_name", default="keyword_spotting_alexa", show_default=True,
              help="Spec whose frontend settings to use (a name, NAME-variant or .py path).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str),
              help="PNG to write [default: FILE's name with .png, in the current directory].")
def view_audio_command(file, spec_name, output):
    """Render the spectrogram the model sees for an audio FILE as a PNG."""
    from pathlib import Path

    _needs("plots", "view_audio")
    from kwstiny.frontend.view import render_spectrogram
    spec = _spec(spec_name)
    output = output or Path(file).with_suffix(".png").name
    written = render_spectrogram(file, spec.frontend, output,
                                 title=f"{Path(file).name} through {spec.name}'s frontend")
    click.echo(f"wrote {written}")


@main.group("dataset")
def dataset():
    """Embed clips, select a budgeted training subset, score selections (DataPerf style)."""


def _strategy_names() -> tuple[str, ...]:
    from kwstiny.data.selection.strategies import STRATEGIES
    return tuple(STRATEGIES)


def _strategy_options(dedup_threshold: float, hard_fraction: float) -> dict:
    return {"dedup": {"threshold": dedup_threshold},
            "hardest_negatives": {"hard_fraction": hard_fraction}}


_dedup_option = click.option(
    "--dedup-threshold", type=float, default=0.95, show_default=True,
    help="dedup: cosine similarity above which two samples of a class are duplicates.")
_hard_option = click.option(
    "--hard-fraction", type=float, default=0.5, show_default=True,
    help="hardest_negatives: share of the non-target budget given to the hardest ones.")


@dataset.command("embed")
@click.argument("source")
@click.option("--model", "-m", "model_spec", required=True,
              help="Spec whose trained model (its run directory's best checkpoint) embeds.")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for train/validation/test.npz [default: the model's run "
                   "directory, embeddings/SOURCE].")
@click.option("--scale", type=click.Choice(["full", "demo", "test"]), default=None,
              help="Recipe scale [default: the model spec's].")
def dataset_embed(source, model_spec, out_dir, scale):
    """One penultimate-layer vector per clip of SOURCE (a dataset name or a folder)."""
    _tensorflow("dataset embed")
    from kwstiny.data.selection.embed import embed_dataset
    for path in embed_dataset(source, model_spec, out_dir, scale).values():
        click.echo(f"wrote {path}")


@dataset.command("select")
@click.argument("embeddings", type=click.Path(dir_okay=False))
@click.option("--budget", "-n", type=int, required=True, help="Most samples to select.")
@click.option("--strategy", "-s", type=click.Choice(_strategy_names()), default="random",
              show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), default=".",
              show_default=True, help="Folder for train.npz, subset.txt, selection.json.")
@click.option("--keep", multiple=True, type=click.Path(dir_okay=False),
              help="Embeddings file (e.g. validation.npz, test.npz) whose every id is also "
                   "listed in subset.txt, so training keeps those splits whole. Repeatable.")
@_dedup_option
@_hard_option
def dataset_select(embeddings, budget, strategy, seed, out_dir, keep, dedup_threshold,
                   hard_fraction):
    """Select at most --budget samples from EMBEDDINGS (.npz or DataPerf .pb).

    A spec trains from the selection with dataset.subset_file = OUT/subset.txt."""
    _needs("select", "dataset select")
    from kwstiny.data.selection import select_file
    options = _strategy_options(dedup_threshold, hard_fraction).get(strategy, {})
    result = select_file(embeddings, strategy, budget, seed, out_dir, keep, **options)
    counts = ", ".join(f"{name} {n}" for name, n in result["per_class"].items())
    click.echo(f"selected {result['selected']} of {result['pool']} samples ({counts})")
    for path in result["paths"].values():
        click.echo(f"wrote {path}")


@dataset.command("score")
@click.argument("train", type=click.Path(dir_okay=False))
@click.option("--eval", "-e", "eval_path", type=click.Path(dir_okay=False), required=True,
              help="Evaluation embeddings (.npz or DataPerf .pb), separate from the pool.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the scores to this JSON file.")
def dataset_score(train, eval_path, seed, json_path):
    """Train the task's logistic regression on TRAIN (a train.npz) and score it."""
    _needs("select", "dataset score")
    from kwstiny.data.selection import score_files
    from kwstiny.paths import write_json
    scores = score_files(train, eval_path, seed)
    click.echo(f"macro F1 {scores['macro_f1']:.4f}  accuracy {scores['accuracy']:.4f}  "
               f"balanced accuracy {scores['balanced_accuracy']:.4f}  "
               f"({scores['n_train']} training, {scores['n_eval']} evaluation samples)")
    if json_path:
        write_json(json_path, scores)


@dataset.command("sweep")
@click.argument("pool", type=click.Path(dir_okay=False))
@click.option("--eval", "-e", "eval_path", type=click.Path(dir_okay=False), required=True)
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for runs.csv, summary.csv/.md/.json and score_vs_budget.png.")
@click.option("--budgets", default="25,50,100,200,400", show_default=True)
@click.option("--strategies", default=",".join(_strategy_names()), show_default=True)
@click.option("--seeds", type=int, default=5, show_default=True)
@_dedup_option
@_hard_option
def dataset_sweep(pool, eval_path, out_dir, budgets, strategies, seeds, dedup_threshold,
                  hard_fraction):
    """Score every strategy at every budget over several seeds; table and plot."""
    _needs("select", "dataset sweep")
    from kwstiny.data.selection import sweep_files
    try:
        budget_list = [int(b) for b in budgets.split(",") if b.strip()]
    except ValueError:
        raise click.BadParameter(f"{budgets!r} is not a comma-separated list of sizes",
                                 param_hint="--budgets")
    names = [s.strip() for s in strategies.split(",") if s.strip()]
    result = sweep_files(pool, eval_path, out_dir, names, budget_list, seeds,
                         _strategy_options(dedup_threshold, hard_fraction))
    from kwstiny.data.selection.sweep import summary_markdown
    click.echo(summary_markdown(result))
    click.echo(f"wrote {out_dir}/summary.md, summary.csv, summary.json, runs.csv, "
               f"score_vs_budget.png")


@main.command("summarize")
@click.argument("model")
@click.option("--tflite", is_flag=True,
              help="Summarize the quantized .tflite (kwstiny always does; kept for MLTK's syntax).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def summarize(model, tflite, as_json):
    """Per-layer table, ops / MACs / parameters, metadata and unsupported layers of MODEL
    (a spec name, its run directory or a .tflite file)."""
    from kwstiny.profile.report import summarize_command
    click.echo(summarize_command(model, as_json=as_json))


@main.command("profile")
@click.argument("model")
@click.option("--accelerator", type=click.Choice(["none", "MVP"], case_sensitive=False),
              default="none", show_default=True,
              help="none: Cortex-M33 with CMSIS-NN kernels; MVP: the EFR32xG24's accelerator.")
@click.option("--clock", "clock_hz", type=click.FloatRange(min=1e3), default=78e6,
              show_default=True, help="CPU (and MVP) clock in Hz.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--device", is_flag=True,
              help="Also measure each layer on a board running kwstiny's firmware (QEMU, the "
                   "host build or an EFR32xG24) and show it beside the estimate.")
@click.option("--port", help="The board's serial port with --device (default: KWSTINY_PORT, or "
                             "the board `kwstiny flash` started).")
def profile(model, accelerator, clock_hz, as_json, device, port):
    """Estimated time, cycles, RAM (measured TFLM arena) and flash of MODEL on an
    EFR32xG24-class Cortex-M33, per layer."""
    from kwstiny.profile.report import profile_command
    click.echo(profile_command(model, accelerator, clock_hz, as_json=as_json, device=device,
                               port=port))


@main.group("device")
def device():
    """Talk to a board running kwstiny's firmware (real, QEMU or the host build)."""


@device.command("info")
@click.option("--port", help="Serial port: /dev/ttyACM0, COM3 or socket://host:port "
                             "(default: KWSTINY_PORT, or the board `kwstiny flash` started).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def device_info_command(port, as_json):
    """Firmware version, board, clock, free RAM and flash, accelerator, loaded model."""
    from kwstiny.device.info import device_info
    click.echo(device_info(port, as_json=as_json))


@device.command("stop")
def device_stop_command():
    """Stop the emulated board (QEMU or host build) that `kwstiny flash` started."""
    from kwstiny.device.session import stop_all_emulators
    click.echo(stop_all_emulators())


@main.command("flash")
@click.argument("target", type=click.Path(dir_okay=False))
@click.option("--board", required=True,
              help="qemu (Cortex-M33 under QEMU), host, or efr32xg24.")
@click.option("--port", help="Serial port of the board (models go over it).")
@click.option("--firmware", type=click.Path(exists=True, dir_okay=False),
              help="Firmware to start an emulated board with when none runs yet.")
def flash_command(target, board, port, firmware):
    """Flash TARGET, a firmware image or a .tflite model, onto a board."""
    from kwstiny.device.flash import flash
    click.echo(flash(target, board, port=port, firmware=firmware))


@main.command("build_firmware")
@click.option("--board", required=True, help="qemu (Cortex-M33 under QEMU) or host.")
@click.option("--tflm-root", type=click.Path(exists=True, file_okay=False),
              help="A tflite-micro checkout built with TFLM's Makefile (default: TFLM_ROOT; "
                   "none: a firmware without the interpreter).")
@click.option("--fetch-tflm", is_flag=True,
              help="Clone a pinned tflite-micro (and what its Makefile needs) into "
                   "KWSTINY_HOME/tflm, build its library for BOARD once, and use it "
                   "(KWSTINY_TFLM_URL overrides where from).")
@click.option("--cmsis-nn", is_flag=True, help="Link TFLM built with OPTIMIZED_KERNEL_DIR=cmsis_nn.")
@click.option("--model", type=click.Path(exists=True, dir_okay=False),
              help="A .tflite to link into the image.")
def build_firmware_command(board, tflm_root, fetch_tflm, cmsis_nn, model):
    """Build kwstiny's firmware for BOARD with CMake; prints the image's path."""
    import os

    from kwstiny.device.boards import get_board
    from kwstiny.device.firmware import build_firmware
    if fetch_tflm:
        if tflm_root:
            raise click.UsageError("--fetch-tflm and --tflm-root contradict each other")
        from kwstiny.device.tflm import fetch_tflm as fetch
        tflm_root = fetch(get_board(board).name, cmsis_nn=cmsis_nn)
    click.echo(build_firmware(board, tflm_root=tflm_root or os.environ.get("TFLM_ROOT"),
                              cmsis_nn=cmsis_nn, model=model))


if __name__ == "__main__":
    main()
